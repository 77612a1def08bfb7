"""## What it does
Flags a `FROM` whose image has no tag, or the tag `latest`, after `ARG` values are
substituted. `scratch`, references to earlier stages and images pinned by digest pass.

## Why it matters
An untagged base image is whatever `latest` points to on the day of the build: two
builds of the same commit can ship different Python versions, system libraries and CUDA
runtimes, and a model that worked yesterday breaks without a code change.

## Example
```dockerfile
FROM python
FROM pytorch/pytorch:latest
```

## Instead
```dockerfile
FROM python:3.11-slim
FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime
```
Pin a digest (`@sha256:...`) as well for fully reproducible builds.

## Fix safety
Unsafe, and only with `dlint check --fix --unsafe-fixes --from-engine` when the local
Docker engine has the image: the tag becomes the release the image's own environment
states (`PYTHON_VERSION=3.12.4` -> `python:3.12.4`, for the official images only) and the
registry digest it was pulled with is added; with a digest only, `python@sha256:...`.
Never `latest`, never a guess: an image with neither gets no fix, and without an engine
there is no fix and no error.

## Differs from hadolint
- DL3006 (only dlint): a tag from a build argument whose default is `latest` (`ARG
  TAG=latest`, `FROM python:$TAG`) is unpinned; hadolint does not resolve it.
- DL3006 (only hadolint): `FROM build_${TARGETARCH}` and `FROM binaries-$TARGETOS` name
  earlier stages, not images, and pass; hadolint takes them for untagged images.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._engine_pin import floating_bases, pin_fix


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for every stage whose base image floats."""
    for stage in floating_bases(build):
        base = stage.base
        if base.tag in (None, "latest"):
            word = stage.from_instruction.arguments[0]
            what = "no tag" if base.tag is None else "the tag 'latest'"
            yield Problem(
                f"base image '{base.raw}' has {what}; pin a version tag such as "
                f"'{base.with_tag('<version>')}'",
                word.span,
                pin_fix(build, stage),
            )


RULE = Rule(
    id="D100",
    name="base-image-unpinned",
    severity=Severity.WARNING,
    summary="FROM uses an image without a tag or with 'latest'",
    check=check,
    aliases=("DL3006", "DL3007", "DS-0001", "CKV_DOCKER_7"),
    tags=("reproducibility",),
    fixable=True,
)
