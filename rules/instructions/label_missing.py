"""## What it does
Flags a final image that lacks a label named in the `required` option, and, with
`strict: true`, a label of the final image that `required` does not name. Labels of the
stages the final stage is built `FROM` count; those of builder stages do not. Quiet
until `required` is configured. hadolint DL3049 and DL3050 check the same against its
`label-schema` setting.

## Why it matters
Platform teams find an image's owner, source and revision through its labels; an image
that ships without them is an orphan in the registry, and nobody can tell which commit
or team it came from when it misbehaves in production.

## Example
```yaml
# .dlint.yaml
rules:
  label-missing:
    required: [org.opencontainers.image.source, org.opencontainers.image.revision]
```
```dockerfile
FROM python:3.11-slim
LABEL org.opencontainers.image.source="https://github.com/example/model"
```

## Instead
```dockerfile
FROM python:3.11-slim
ARG GIT_SHA
LABEL org.opencontainers.image.source="https://github.com/example/model" \
      org.opencontainers.image.revision="${GIT_SHA}"
```

## Fix safety
No automatic fix: only you know the values.
"""

from collections.abc import Iterator, Sequence

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import label_pairs


def check(build: Build, required: Sequence[str] = (), strict: bool = False) -> Iterator[Problem]:
    """Yield a problem for each required label the final image lacks (and, strictly, extra)."""
    dockerfile = build.dockerfile
    final = dockerfile.final_stage
    if not required or final is None:
        return
    labels = [
        (word, key) for i in dockerfile.in_final_image("LABEL") for word, key, _ in label_pairs(i)
    ]
    present = {key for _, key in labels}
    for key in required:
        if key not in present:
            yield Problem(
                f"the final image has no label '{key}'; add LABEL {key}=...",
                final.from_instruction.keyword_span,
            )
    if strict:
        for word, key in labels:
            if key not in required:
                yield Problem(f"label '{key}' is not one of the required labels", word.span)


RULE = Rule(
    id="D738",
    name="label-missing",
    severity=Severity.INFO,
    summary="the final image lacks a label named in 'required'",
    check=check,
    aliases=("DL3049", "DL3050"),
    tags=("metadata",),
    options={"required": [], "strict": False},
)
