"""## What it does
Flags a `COPY` of a tar archive that a later `RUN` of the same stage unpacks with
`tar -x`. hadolint DL3010.

## Why it matters
The `COPY` layer keeps the archive for good: deleting it in the `RUN` does not shrink
the image, so a 2 GB model archive costs 2 GB more than its unpacked files. `ADD`
unpacks a local tar archive as it copies it, and a bind mount reads it without copying.

## Example
```dockerfile
COPY models/bert-base.tar.gz /tmp/
RUN tar -xzf /tmp/bert-base.tar.gz -C /opt/models && rm /tmp/bert-base.tar.gz
```

## Instead
```dockerfile
ADD models/bert-base.tar.gz /opt/models/
```
or `RUN --mount=type=bind,source=models/bert-base.tar.gz,target=/tmp/m.tgz tar -xzf
/tmp/m.tgz -C /opt/models`.

## Fix safety
No automatic fix: the `RUN` may do more than unpack.

## Differs from hadolint
- DL3010 (only dlint): `tar xf` (options without a dash) extracts too, and is read as `tar
  -xf`; hadolint knows the dashed form only.
"""

import posixpath
import re
from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, Command
from dlint.rule import Rule

from ._common import is_tar


def file_name(raw: str) -> str:
    """The last part of a path as written, split at ``/`` and at Windows' ``\\``."""
    return re.split(r"[\\/]", raw.strip("\"'"))[-1]


def extracts(command: Command) -> bool:
    """True for ``tar -x...``, ``tar xzf`` and ``tar --extract``."""
    if command.program != "tar" or not command.arguments:
        return False
    first = command.arguments[0].text
    if not first.startswith("-") and "x" in first:
        return True
    return any(
        w.text in ("--extract", "--get")
        or (w.text.startswith("-") and not w.text.startswith("--") and "x" in w.text)
        for w in command.arguments
    )


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each copied tar archive a later RUN of the stage unpacks."""
    dockerfile = build.dockerfile
    for stage in dockerfile.stages:
        runs = [i for i in stage.instructions if i.keyword == "RUN"]
        for instruction in stage.of("COPY"):
            copy = dockerfile.copy_of(instruction)
            if copy is None or copy.from_stage or len(copy.context_sources) != 1:
                continue
            source = copy.context_sources[0]
            if source.path is None or source.is_glob or not is_tar(source.path):
                continue
            name = posixpath.basename(source.path)
            names = {name, file_name(source.word.raw)}
            if not copy.into_folder and copy.destination_word is not None:
                names |= {
                    posixpath.basename(copy.destination),
                    file_name(copy.destination_word.raw),
                }
            later = (r for r in runs if r.index > instruction.index)
            for run in later:
                hit = any(
                    extracts(c) and any(file_name(w.raw) in names for w in c.arguments)
                    for c in run.commands
                )
                if hit:
                    yield Problem(
                        f"'{name}' is copied, then unpacked on line {run.span.start.line}: the "
                        "archive stays in the COPY layer; ADD unpacks it in one step",
                        source.word.span,
                    )
                    break


RULE = Rule(
    id="D725",
    name="copy-then-extract",
    severity=Severity.INFO,
    summary="a tar archive is copied and then unpacked, keeping the archive in a layer",
    check=check,
    aliases=("DL3010",),
    tags=("size",),
)
