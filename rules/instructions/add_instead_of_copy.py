"""## What it does
Flags an `ADD` whose sources are all plain files or folders of the build context, where
`COPY` does the same. `ADD` of a tar archive (which it unpacks), of a compressed file,
of a URL or of a git repository passes. hadolint DL3020, Trivy DS-0005 and Checkov
CKV_DOCKER_4 check the same; Checkov flags every `ADD`, URLs and archives included,
which would leave the unpacking `ADD` is for with no instruction.

## Why it matters
`ADD` does more than copy: a file that happens to be a tar archive is unpacked, so the
image changes when someone adds `weights.tar` to a folder. `COPY` says what happens.

## Example
```dockerfile
ADD requirements.txt /tmp/requirements.txt
ADD src/ /app/src/
```

## Instead
```dockerfile
COPY requirements.txt /tmp/requirements.txt
COPY src/ /app/src/
```

## Fix safety
No automatic fix: dlint's fixes keep every instruction's keyword, and a folder copied
with `ADD` may hold archives that `ADD` unpacked.

## Differs from hadolint
- DL3020 (only hadolint): `ADD` of a git repository (`git@github.com:org/repo.git`) is
  something `COPY` cannot do, and passes; hadolint flags it.
- DL3020 (only dlint): an `ONBUILD ADD` of local files is flagged too; hadolint does not
  look inside `ONBUILD`.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import COMPRESSED_SUFFIXES


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ADD that only copies files from the context."""
    for copy in build.dockerfile.copies:
        instruction = copy.instruction
        if instruction.keyword != "ADD" or not copy.sources or copy.from_stage:
            continue
        if any(
            s.kind not in ("context", "heredoc") or s.text.lower().endswith(COMPRESSED_SUFFIXES)
            for s in copy.sources
        ):
            continue
        yield Problem(
            "ADD only copies files here; use COPY, which never unpacks archives",
            instruction.keyword_span,
        )


RULE = Rule(
    id="D724",
    name="add-instead-of-copy",
    severity=Severity.WARNING,
    summary="ADD copies plain files where COPY would do",
    check=check,
    aliases=("DL3020", "DS-0005", "CKV_DOCKER_4"),
    tags=("correctness",),
)
