"""## What it does
Looks at the model files in the build context — `*.pt`, `*.pth`, `*.bin` (from 1 MB),
`*.onnx`, `*.safetensors`, `*.ckpt`, `*.joblib`, `*.pkl`, `*.h5`, `*.keras`, `*.gguf`,
`*.tflite`, and any file of 100 MB or more — that the `.dockerignore` lets through, and
reports, with their sizes:

- those a broad `COPY`/`ADD` of the final image takes without naming them (`COPY . .`,
  `COPY models/ …`, a glob): the finding is at that copy's source;
- those no `COPY` takes at all: they are uploaded to the builder on every build for
  nothing. The finding is at the first line of the `.dockerignore` (or at the first
  `FROM` when there is none).

A model copied by its own name (`COPY models/model.onnx /models/`) passes.

## Why it matters
Model weights are the largest files of an ML repository. Sent in the context they make
every build upload gigabytes before the first step runs; taken by a broad copy they land
in the same layer as the code, so every code edit re-uploads and re-pulls the weights,
and old checkpoints, experiments and other models ship in the image unnoticed.

## Example
```dockerfile
COPY . /app          # models/ holds resnet50.pt (98 MB) and three old checkpoints
```

## Instead
```dockerfile
COPY models/resnet50.pt /app/models/
COPY src/ /app/src/
```
with `*.pt` (then `!models/resnet50.pt`) in the `.dockerignore`, or fetch the model at
build time with a pinned revision and a checksum.

## Fix safety
No automatic fix: which model is the one to serve is a choice. The message lists the
files and their sizes, which is what a `.dockerignore` entry or a named `COPY` needs.
"""

import fnmatch
from collections.abc import Iterator

from dlint import regex
from dlint.context import ContextEntry
from dlint.finding import Problem, Severity, Span
from dlint.model import Build, CopySource
from dlint.rule import Rule

from ..context.dockerignore_incomplete import human_size

MB = 1_000_000
MODEL_GLOBS = (
    *("*.pt", "*.pth", "*.onnx", "*.safetensors", "*.ckpt", "*.joblib", "*.pkl", "*.h5"),
    *("*.keras", "*.gguf", "*.tflite"),
)
MODEL_NAME = regex.compile("|".join(fnmatch.translate(g) for g in MODEL_GLOBS))
LARGE = 100 * MB
SHOWN = 3


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem per broad copy that takes model files, and one for unused ones."""
    context, ignore = build.context, build.dockerignore
    if context is None:
        return
    dockerfile = build.dockerfile
    models = [
        e
        for e in context.entries
        if is_model(e) and not (ignore is not None and ignore.excludes(e.path))
    ]
    if not models:
        return
    every_source = dockerfile.context_sources
    taken: set[str] = set()
    for instruction in dockerfile.in_final_image("COPY", "ADD"):
        copy = dockerfile.copy_of(instruction)
        if copy is None:
            continue
        for source in copy.context_sources:
            found = [m for m in models if takes(source, m.path) and source.path != m.path]
            taken |= {m.path for m in found}
            if found:
                yield Problem(
                    f"{instruction.keyword} {source.text} copies model files it does not "
                    f"name: {listing(found)}; copy the model by name and keep the rest out "
                    "with .dockerignore",
                    source.word.span,
                )
    unused = [
        m for m in models if m.path not in taken and not any(takes(s, m.path) for s in every_source)
    ]
    if unused:
        if ignore is not None:
            first = ignore.text.splitlines()[0] if ignore.text else ""
            span, file = Span.of(1, 1, 1, len(first) + 1), ignore.path
        else:
            span, file = dockerfile.stages[0].from_instruction.keyword_span, None
        yield Problem(
            f"model files no COPY uses are sent to the builder on every build: "
            f"{listing(unused)}; add them to .dockerignore",
            span,
            file=file,
        )


def is_model(entry: ContextEntry) -> bool:
    """A model weights file: by extension, ``*.bin`` from 1 MB, or any file from 100 MB."""
    if entry.is_dir or entry.is_virtualenv:
        return False
    name = entry.path.rsplit("/", 1)[-1]
    if MODEL_NAME.match(name):
        return True
    return (name.endswith(".bin") and entry.size >= MB) or entry.size >= LARGE


def takes(source: CopySource, path: str) -> bool:
    """True when the context ``source`` of a copy includes the file ``path``."""
    if source.path is None or source.outside:
        return False
    if source.whole_context or source.path == path or path.startswith(source.path + "/"):
        return True
    return source.is_glob and fnmatch.fnmatchcase(path, source.path)


def listing(entries: list[ContextEntry]) -> str:
    """Up to SHOWN files with sizes, largest first, and the total."""
    ordered = sorted(entries, key=lambda e: -e.size)
    shown = ", ".join(f"{e.path} ({human_size(e.size)})" for e in ordered[:SHOWN])
    more = f" and {len(ordered) - SHOWN} more" if len(ordered) > SHOWN else ""
    total = f", {human_size(sum(e.size for e in ordered))} in all" if len(ordered) > 1 else ""
    return shown + more + total


RULE = Rule(
    id="D609",
    name="model-in-context",
    severity=Severity.WARNING,
    summary="model files are taken by a broad COPY, or sent in the context and never used",
    check=check,
    tags=("serving", "size", "context"),
)
