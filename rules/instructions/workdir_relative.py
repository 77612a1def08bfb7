"""## What it does
Flags a relative `WORKDIR` (`WORKDIR app`) when no absolute `WORKDIR` comes before it in
the stage or in the stages it is built `FROM`. Once an absolute `WORKDIR` is set in this
Dockerfile, a relative one is well defined and passes; so do paths that use a variable
dlint cannot resolve and Windows paths (`C:\\app`). BuildKit's `WorkdirRelativePath`;
hadolint DL3000, Trivy DS-0009 and Checkov CKV_DOCKER_10 check the same, but flag every
relative `WORKDIR`, also `WORKDIR src` after `WORKDIR /app`, which is exact.

## Why it matters
A relative `WORKDIR` is resolved against the base image's working directory, which the
image's maintainers may change in any release: `WORKDIR app` is `/app` on
`python:3.11-slim` but `/workspace/app` on an image whose `WORKDIR` is `/workspace`, and
every `COPY` and `CMD` that follows moves with it.

## Example
```dockerfile
FROM python:3.11-slim
WORKDIR app
COPY . .
```

## Instead
```dockerfile
FROM python:3.11-slim
WORKDIR /app
COPY . .
```

## Fix safety
No automatic fix: the absolute path depends on the base image's `WORKDIR`.

## Differs from hadolint
- DL3000 (only hadolint): a relative `WORKDIR` after an absolute one (in the stage or a
  stage it is built `FROM`) is exact, and passes; hadolint flags every relative `WORKDIR`.
- DL3000 (only dlint): a `WORKDIR ${APP_DIR}` whose argument's default is relative (`app`)
  is flagged; hadolint does not resolve variables.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule

WINDOWS_ABSOLUTE = regex.compile(r"^[A-Za-z]:[\\/]?")


def absolute(instruction: Instruction) -> bool | None:
    """True/False for an absolute/relative WORKDIR path; None when it cannot be known."""
    if not instruction.arguments:
        return None
    resolved = instruction.resolve(instruction.arguments[0].text)
    if not resolved.complete:
        return None
    # The model keeps the quotes of a legacy ``ENV KEY "value"``; Docker drops them.
    path = resolved.text.strip("\"'")
    return path.startswith(("/", "\\")) or bool(WINDOWS_ABSOLUTE.match(path))


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for a relative WORKDIR before any absolute one in the lineage."""
    dockerfile = build.dockerfile
    for stage in dockerfile.stages:
        parents = dockerfile.lineage(stage)[1:]
        if any(absolute(i) for parent in parents for i in parent.of("WORKDIR")):
            continue
        for instruction in stage.of("WORKDIR"):
            verdict = absolute(instruction)
            if verdict is None:
                continue
            if not verdict:
                word = instruction.arguments[0]
                yield Problem(
                    f"relative WORKDIR '{word.text}' depends on the base image's working "
                    f"directory; write an absolute path such as '/{word.text.lstrip('./')}'",
                    word.span,
                )
            break


RULE = Rule(
    id="D709",
    name="workdir-relative",
    severity=Severity.WARNING,
    summary="a relative WORKDIR depends on the base image's working directory",
    check=check,
    aliases=("WorkdirRelativePath", "DL3000", "DS-0009", "CKV_DOCKER_10"),
    tags=("correctness", "reproducibility"),
)
