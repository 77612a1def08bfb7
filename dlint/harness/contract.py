"""Send one spec request to the service and compare the answer with its expectation."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsonschema

from dlint.harness.kinds import kind
from dlint.harness.spec import Exchange, Expect, HttpCase, Request, Spec
from dlint.harness.verdict import CheckFailed

if TYPE_CHECKING:
    from dlint.harness.lab import Ready
    from dlint.harness.reach import Endpoint

REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    """The parts of an HTTP response the expectations look at."""

    status: int
    content_type: str
    body: bytes
    milliseconds: float

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body)


def send(endpoint: "Endpoint", request: Request, timeout: float = REQUEST_TIMEOUT) -> Answer:
    """Send the spec ``request`` to the service at ``endpoint``."""
    return endpoint.exchange(
        request.method,
        request.path,
        request.payload(),
        request.header_map(),
        timeout,
        chunked=request.chunked,
    )


def subset_mismatch(expected: Any, actual: Any, where: str = "$") -> str | None:
    """Describe where ``actual`` does not contain ``expected``, or None when it does.

    Objects match when every expected key matches; lists need equal length and matching
    items; anything else must be equal (a bool never equals a number).
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {json.dumps(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key}: missing"
            problem = subset_mismatch(value, actual[key], f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where}: expected a list of {len(expected)}, got {json.dumps(actual)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problem = subset_mismatch(want, got, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if type(expected) is bool or type(actual) is bool:
        same = type(expected) is type(actual) and expected == actual
    else:
        same = expected == actual
    return None if same else f"{where}: expected {json.dumps(expected)}, got {json.dumps(actual)}"


def _body_problems(expect: Expect, answer: Answer) -> list[str]:
    if expect.json_subset is None and expect.json_schema is None:
        return []
    try:
        document = answer.json()
    except ValueError:
        return [f"body is not JSON: {answer.body[:200]!r}"]
    problems = []
    if expect.json_subset is not None:
        mismatch = subset_mismatch(expect.json_subset.value, document)
        if mismatch:
            problems.append(f"JSON body differs: {mismatch}")
    if expect.json_schema is not None:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(expect.json_schema).iter_errors(document)
        )
        if error is not None:
            problems.append(f"JSON schema: {error.message}")
    return problems


def problems(expect: Expect, answer: Answer) -> list[str]:
    """Every way ``answer`` breaks ``expect``; empty when it meets it."""
    found = []
    if answer.status != expect.status:
        found.append(f"status {answer.status}, expected {expect.status}")
    wanted_type = expect.content_type
    if wanted_type and not answer.content_type.startswith(wanted_type):
        found.append(f"content type {answer.content_type!r}, expected {wanted_type!r}")
    found.extend(_body_problems(expect, answer))
    budget = expect.max_ms
    if budget is not None and answer.milliseconds > budget:
        found.append(f"took {answer.milliseconds:.0f} ms, budget {budget} ms")
    if found:
        found.append(f"body: {answer.body[:300].decode('utf-8', 'replace')}")
    return found


def check(endpoint: "Endpoint", exchange: Exchange | HttpCase) -> Answer:
    """Send the exchange's request and raise CheckFailed listing every broken expectation."""
    answer = send(endpoint, exchange.request)
    found = problems(exchange.expect, answer)
    if found:
        raise CheckFailed("; ".join(found))
    return answer


def _cases(cases: tuple[HttpCase, ...], spec: Spec) -> Iterator[tuple[str, HttpCase]]:
    return ((case.name, case) for case in cases)


@kind("http", section="http", needs=("ready",), each=_cases, label="NAME")
def http(case: HttpCase, ready: "Ready") -> None:
    """The answer to the request meets every expectation; a failure lists every broken one
    and the start of the body."""
    check(ready.endpoint, case)
