"""## What it does
Flags a `LABEL` whose value does not have the form its key promises: an empty value,
and for the OCI annotation keys a `created` that is not an RFC 3339 time, a `url`,
`source` or `documentation` that is not a URL, and `licenses` that is not an SPDX
license expression. The `schema` option adds keys and types: `text` (any non-empty
value), `url`, `rfc3339`, `spdx`, `hash` (a git commit hash), `semver` and `email`.
Values that come from a build argument without a value at lint time pass. hadolint
DL3051 to DL3056 and DL3058 check the keys of its `label-schema` setting, so ignoring
any of those codes ignores all of them. SPDX identifiers are checked for their form,
not against the SPDX list.

## Why it matters
Registries, scanners and deployment tools read these labels: an image whose `source`
is not a URL has no link to its code in the registry UI, a `created` that is not a
time breaks retention policies, and an empty `revision` (a build argument CI forgot to
pass) makes the image impossible to trace back to a commit.

## Example
```dockerfile
LABEL org.opencontainers.image.source="github.com/example/model" \
      org.opencontainers.image.created="June 1st" \
      org.opencontainers.image.revision=""
```

## Instead
```dockerfile
ARG GIT_SHA
ARG BUILD_DATE
LABEL org.opencontainers.image.source="https://github.com/example/model" \
      org.opencontainers.image.created="${BUILD_DATE}" \
      org.opencontainers.image.revision="${GIT_SHA}"
```
with `schema: {org.opencontainers.image.revision: hash}` to check the commit too.

## Fix safety
No automatic fix: only you know the right value.

## Differs from hadolint
- DL3051 (only dlint): hadolint checks label values only against a `label-schema` given in
  its configuration (none in the comparison); dlint checks the OCI annotation keys' formats
  without one.
"""

from collections.abc import Callable, Iterator, Mapping
from urllib.parse import urlparse

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import label_pairs

OCI = "org.opencontainers.image."
DEFAULT_SCHEMA = {
    f"{OCI}created": "rfc3339",
    f"{OCI}url": "url",
    f"{OCI}source": "url",
    f"{OCI}documentation": "url",
    f"{OCI}licenses": "spdx",
}
RFC3339 = regex.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
SPDX_ID = r"(?:LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.-]*\+?)"
SPDX = regex.compile(
    rf"^\(*{SPDX_ID}(?: WITH [A-Za-z0-9.-]+)?\)*"
    rf"(?: (?:AND|OR) \(*{SPDX_ID}(?: WITH [A-Za-z0-9.-]+)?\)*)*$"
)
SEMVER = regex.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
HASH = regex.compile(r"^(?:[0-9a-f]{7,40}|[0-9a-f]{64})$")
EMAIL = regex.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def is_url(value: str) -> bool:
    """True for an absolute URL with a scheme and a host."""
    parsed = urlparse(value)
    return bool(parsed.scheme and parsed.netloc)


VALIDATORS: Mapping[str, tuple[Callable[[str], bool], str]] = {
    "text": (bool, "text"),
    "url": (is_url, "a URL such as https://example.com/repo"),
    "rfc3339": (lambda v: bool(RFC3339.match(v)), "an RFC 3339 time such as 2024-06-01T12:00:00Z"),
    "spdx": (
        lambda v: bool(SPDX.match(v.strip())),
        "an SPDX license expression such as Apache-2.0",
    ),
    "hash": (lambda v: bool(HASH.match(v)), "a git commit hash"),
    "semver": (lambda v: bool(SEMVER.match(v)), "a semantic version such as 1.4.2"),
    "email": (lambda v: bool(EMAIL.match(v)), "an e-mail address"),
}


def check(build: Build, schema: Mapping[str, str] | None = None) -> Iterator[Problem]:
    """Yield a problem for each label value that is empty or not of its key's type."""
    types = {**DEFAULT_SCHEMA, **(schema or {})}
    for instruction in build.dockerfile.of("LABEL"):
        for word, key, value in label_pairs(instruction):
            if value is None:
                continue
            if not value.strip():
                yield Problem(f"label '{key}' is empty", word.span)
                continue
            valid, wanted = VALIDATORS.get(types.get(key, "text"), VALIDATORS["text"])
            if not valid(value):
                yield Problem(f"label '{key}' is '{value}', not {wanted}", word.span)


RULE = Rule(
    id="D737",
    name="label-value-invalid",
    severity=Severity.WARNING,
    summary="a LABEL value is empty or not of the form its key needs (URL, time, license)",
    check=check,
    aliases=("DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"),
    tags=("metadata",),
    options={"schema": {}},
)
