"""## What it does
Flags `FROM --platform=$TARGETPLATFORM`: that is the platform Docker builds for anyway.
BuildKit's `RedundantTargetPlatform`; hadolint DL3065.

## Why it matters
The flag does nothing but suggests it does, and makes readers wonder whether the stage
is meant to differ from the others; a stage that should run on the build machine needs
`$BUILDPLATFORM` instead, and a copy-paste of this line hides that mistake.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM python:3.11-slim
```

## Instead
```dockerfile
FROM python:3.11-slim
```

## Fix safety
The fix removes the flag; the stage is built for the same platform, so it is safe.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build
from dlint.rule import Rule

TARGET_PLATFORM = regex.compile(r"""^(["']?)\$(TARGETPLATFORM|\{TARGETPLATFORM\})\1$""")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each FROM --platform=$TARGETPLATFORM."""
    dockerfile = build.dockerfile
    declared = {name for arg in dockerfile.global_args for name, _ in arg.assignments}
    redeclared = "TARGETPLATFORM" in declared
    for stage in dockerfile.stages:
        instruction = stage.from_instruction
        for flag in instruction.flags:
            if flag.name != "platform" or not TARGET_PLATFORM.match(flag.value or ""):
                continue
            fix = None
            image = instruction.arguments[0] if instruction.arguments else None
            if not redeclared and image and image.span.start.line == flag.span.start.line:
                fix = Fix("remove the flag", (Edit(Span(flag.span.start, image.span.start), ""),))
            yield Problem(
                "--platform=$TARGETPLATFORM is the default; remove it",
                flag.span,
                fix,
            )


RULE = Rule(
    id="D713",
    name="redundant-target-platform",
    severity=Severity.INFO,
    summary="FROM --platform=$TARGETPLATFORM repeats the default",
    check=check,
    aliases=("RedundantTargetPlatform", "DL3065"),
    tags=("platform",),
    fixable=True,
)
