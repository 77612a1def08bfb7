"""Turn a request body into model input, or say exactly what is wrong with it."""

import json
import math
from typing import Any

FEATURE_COUNT = 4
MAX_INSTANCES = 1000


class InvalidInput(ValueError):
    """The request body cannot be used as model input; the message says why."""


def _reject_constant(name: str) -> None:
    raise InvalidInput(f"non-finite number {name} is not allowed")


def decode_body(raw: bytes) -> Any:
    """Parse a JSON body, refusing empty bodies and NaN/Infinity literals."""
    if not raw.strip():
        raise InvalidInput("request body is empty")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise InvalidInput(f"body is not UTF-8: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"malformed JSON: {error.msg} at position {error.pos}") from None


def _features(row: Any, where: str) -> list[float]:
    if not isinstance(row, list):
        raise InvalidInput(f"{where} must be a list of {FEATURE_COUNT} numbers")
    if len(row) != FEATURE_COUNT:
        raise InvalidInput(f"{where} must have {FEATURE_COUNT} numbers, got {len(row)}")
    for index, value in enumerate(row):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{where}[{index}] must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise InvalidInput(f"{where}[{index}] must be finite")
    return [float(value) for value in row]


def parse_instances(payload: Any) -> tuple[list[list[float]], bool]:
    """Return the rows to predict and whether the request was a batch.

    Accepts ``{"features": [4 numbers]}`` or ``{"instances": [[4 numbers], ...]}``.
    """
    if not isinstance(payload, dict):
        raise InvalidInput("body must be a JSON object")
    given = [key for key in ("features", "instances") if key in payload]
    if len(given) != 1:
        raise InvalidInput('body must have exactly one of "features" or "instances"')
    if given == ["features"]:
        return [_features(payload["features"], "features")], False
    rows = payload["instances"]
    if not isinstance(rows, list) or not rows:
        raise InvalidInput('"instances" must be a non-empty list of rows')
    if len(rows) > MAX_INSTANCES:
        raise InvalidInput(f'"instances" may hold at most {MAX_INSTANCES} rows')
    return [_features(row, f"instances[{index}]") for index, row in enumerate(rows)], True
