"""## What it does
Flags `FROM --platform=` with a constant platform (`linux/amd64`), unless the stage's
name says which platform it is for (`AS build-arm64`: a stage per platform, chosen with
`FROM build-${TARGETARCH}`). `$BUILDPLATFORM` and other variables pass. BuildKit's
`FromPlatformFlagConstDisallowed`; hadolint DL3029 checks the same (it also flags
variables other than `$BUILDPLATFORM`/`$TARGETPLATFORM`; dlint does not, since a
variable is how the platform is chosen at build time).

## Why it matters
A constant platform forces that stage onto one architecture: `docker buildx build
--platform linux/arm64` quietly produces an amd64 image under emulation, or an image
that will not start on Graviton or Apple-silicon nodes. Pin the platform on the command
line or in CI, where it can vary, not in the Dockerfile.

## Example
```dockerfile
FROM --platform=linux/amd64 python:3.11-slim
```

## Instead
```dockerfile
FROM python:3.11-slim
```
and `docker build --platform linux/amd64 .` where one platform is really meant.

## Fix safety
No automatic fix: removing the flag changes what is built on other machines.

## Differs from hadolint
- DL3029 (only hadolint): a constant platform on a stage named for it (`AS build_amd64`,
  chosen with `FROM build_${TARGETARCH}`) and a variable (`$BUILDPLATFROM`, which
  `undefined-arg-in-from` reports as a typo) pass; hadolint flags every `--platform` that is
  not `$BUILDPLATFORM` or `$TARGETPLATFORM`.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import variable_uses


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each FROM --platform with a constant value."""
    dockerfile = build.dockerfile
    for stage in dockerfile.stages:
        for flag in stage.from_instruction.flags:
            if flag.name != "platform" or not flag.value:
                continue
            value = flag.value.strip("\"'")
            if any(variable_uses(value, dockerfile.escape)):
                continue
            parts = [p for p in value.split("/")[:2] if p]
            if stage.name and any(part.lower() in stage.name for part in parts):
                continue
            yield Problem(
                f"--platform={value} forces one platform; leave it to "
                "'docker build --platform' or use $BUILDPLATFORM",
                flag.span,
            )


RULE = Rule(
    id="D714",
    name="from-platform-constant",
    severity=Severity.INFO,
    summary="FROM --platform with a constant value pins the image to one architecture",
    check=check,
    aliases=("FromPlatformFlagConstDisallowed", "DL3029"),
    tags=("platform", "portability"),
)
