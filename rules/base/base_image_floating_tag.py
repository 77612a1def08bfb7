"""## What it does
Off by default (`extend-select: [base-image-floating-tag]`). Flags a `FROM` whose tag
names a release line rather than one release, and that has no digest: `python:3.11-slim`,
`node:20-alpine`, `golang:1`. A tag with three numbers or more (`python:3.11.9-slim`),
a digest (`@sha256:...`), an earlier stage and `scratch` pass; `latest` and no tag are
`base-image-unpinned`'s.

## Why it matters
A release-line tag moves with every patch release and every rebuild of the image: two
builds of one commit a month apart get another Python patch release, another OpenSSL and
another glibc. That is usually wanted (security fixes), which is why this rule is opt-in;
where builds must be reproducible, pin the release you tested, or the digest.

## Example
```dockerfile
FROM python:3.11-slim
```

## Instead
```dockerfile
FROM python:3.11.9-slim@sha256:<the digest you tested>
```

## Fix safety
Unsafe, and only with `dlint check --fix --unsafe-fixes --from-engine` when the local
Docker engine has the image: the release its own environment states
(`PYTHON_VERSION=3.11.9` -> `python:3.11.9-slim`, for the official images only, whose
variables name their tags) and the registry digest it was pulled with. A digest alone
(`python:3.11-slim@sha256:...`) is the very image the engine has; a release tag is that
release as the registry builds it. An image built locally, with no digest and no such
variable, gets no fix: nothing says what it is. Without an engine, no fix and no error.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._engine_pin import RELEASE_LINE, floating_bases, pin_fix


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for every stage whose base image tag names a release line."""
    for stage in floating_bases(build):
        base = stage.base
        if base.tag is None or not RELEASE_LINE.fullmatch(base.tag):
            continue
        yield Problem(
            f"base image '{base.raw}' follows the {base.tag} release line, so each rebuild "
            "may get another release; pin the release you tested (and its digest)",
            stage.from_instruction.arguments[0].span,
            pin_fix(build, stage),
        )


RULE = Rule(
    id="D103",
    name="base-image-floating-tag",
    severity=Severity.INFO,
    summary="FROM uses a release-line tag such as 3.11-slim, without a digest",
    check=check,
    tags=("reproducibility",),
    fixable=True,
    opt_in=True,
)
