"""## What it does
Flags a `RUN` that writes into a folder an earlier `VOLUME` of the same image declared
(a path in its arguments at or under the volume: `mkdir /data/cache`,
`wget -O /models/m.bin ...`), in the stage or the stages it is built `FROM`. `COPY`
and `ADD` into a volume pass: their files are kept.

## Why it matters
Docker's documentation is explicit: once a folder is a volume, changes a later build
step makes inside it are discarded. The model downloaded into `/models` after
`VOLUME /models` is not in the image, and the service starts with an empty folder.

## Example
```dockerfile
VOLUME /models
RUN python download_weights.py --out /models/bert
```

## Instead
```dockerfile
RUN python download_weights.py --out /models/bert
VOLUME /models
```

## Fix safety
No automatic fix: moving the `VOLUME` changes which layers change when it does.
"""

import posixpath
from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule


def volumes(instruction: Instruction) -> list[str]:
    """The folders a ``VOLUME`` declares (JSON array or words), variables resolved."""
    resolved = (instruction.resolve(w.text) for w in instruction.arguments)
    return [posixpath.normpath(r.text) for r in resolved if r.complete and r.text.startswith("/")]


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each RUN argument inside a folder declared a volume before it."""
    dockerfile = build.dockerfile
    for stage in dockerfile.stages:
        declared: list[tuple[str, int]] = []
        for parent in reversed(dockerfile.lineage(stage)[1:]):
            declared += [(v, i.span.start.line) for i in parent.of("VOLUME") for v in volumes(i)]
        for instruction in stage.instructions:
            if instruction.keyword == "VOLUME":
                declared += [(v, instruction.span.start.line) for v in volumes(instruction)]
            elif instruction.keyword == "RUN" and declared:
                yield from _writes(instruction, declared)


def _writes(run: Instruction, declared: list[tuple[str, int]]) -> Iterator[Problem]:
    """A problem for each word of ``run`` that names a path inside a declared volume."""
    for command in run.commands:
        for word in command.arguments:
            path = word.text.rpartition("=")[2]
            if not path.startswith("/") or not word.known:
                continue
            path = posixpath.normpath(path)
            for volume, line in declared:
                if path == volume or path.startswith(volume.rstrip("/") + "/"):
                    yield Problem(
                        f"{volume} is a VOLUME since line {line}: what this RUN writes there "
                        "is discarded; run it before the VOLUME",
                        word.span,
                    )
                    break


RULE = Rule(
    id="D741",
    name="volume-changed-after-declared",
    severity=Severity.WARNING,
    summary="a RUN writes into a folder declared a VOLUME earlier; the change is discarded",
    check=check,
    tags=("correctness",),
)
