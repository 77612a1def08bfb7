"""## What it does
Flags a variable used in an `ENV` that sets it earlier in the same instruction:
`ENV MODEL_DIR=/opt/model MODEL_PATH=$MODEL_DIR/model.onnx`. A variable that refers to
its own earlier value (`ENV PATH=/opt/venv/bin:$PATH`) passes. hadolint DL3044.

## Why it matters
Docker expands every value of an `ENV` with the variables as they were before it: in
the example `MODEL_PATH` becomes `/model.onnx` (or the base image's old `MODEL_DIR`),
not `/opt/model/model.onnx`, and the server looks for its model in the wrong place.

## Example
```dockerfile
ENV MODEL_DIR=/opt/model \
    MODEL_PATH=$MODEL_DIR/model.onnx
```

## Instead
```dockerfile
ENV MODEL_DIR=/opt/model
ENV MODEL_PATH=$MODEL_DIR/model.onnx
```

## Fix safety
No automatic fix: splitting the `ENV` adds a layer and may be what you want, or not.

## Differs from hadolint
- DL3044 (only hadolint): `SINGLE='$QUOTED'` is in single quotes, so nothing expands, and
  passes; hadolint flags it.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import variable_uses


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ENV value that uses a variable set earlier in that ENV."""
    dockerfile = build.dockerfile
    for instruction in dockerfile.of("ENV"):
        set_here: set[str] = set()
        for token in instruction.tokens:
            if token.operator or "=" not in token.raw:
                continue
            name, _, _ = token.raw.partition("=")
            start = token.start + len(name) + 1
            for use in variable_uses(instruction.value[start : token.end], dockerfile.escape):
                if use.name in set_here:
                    yield Problem(
                        f"${use.name} is set in this same ENV, but Docker expands it with its "
                        f"value from before the ENV; set {use.name} in an ENV of its own first",
                        instruction.locate(start + use.start, start + use.end),
                    )
            set_here.add(name)


RULE = Rule(
    id="D730",
    name="env-self-reference",
    severity=Severity.WARNING,
    summary="an ENV uses a variable it sets itself, which still has its old value",
    check=check,
    aliases=("DL3044",),
    tags=("correctness",),
)
