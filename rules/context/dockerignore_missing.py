"""## What it does
Flags a `COPY` or `ADD` of the whole build context (`COPY . .`, `COPY ./ /app`,
`ADD . /srv`, `COPY * ./`) when no ignore file applies to the build: neither
`<Dockerfile name>.dockerignore` beside the Dockerfile nor `.dockerignore` at the root
of the context. It points at the first such source word, once per Dockerfile. Copies
`--from` another stage or image never count, and a Dockerfile read from stdin (no
context) is not checked.

## Why it matters
Without a .dockerignore every file of the project is sent to the builder and, through
`COPY . .`, baked into the image: the `.git` history, the local virtualenv, `.env` files
with keys, notebooks, datasets and model checkpoints. In an ML repository that is often
gigabytes, which makes every build slow, bloats the image, and ships secrets and data
that must never leave the machine. Any change to a notebook or a log file also
invalidates the layer cache of the copy and everything after it.

## Example
```dockerfile
FROM python:3.11-slim
WORKDIR /app
COPY . .
```
with no `.dockerignore` in the context.

## Instead
Add a `.dockerignore` at the root of the context (or `Dockerfile.dockerignore` beside
the Dockerfile), for example:
```
.git
**/__pycache__
**/*.pyc
.venv
.env
*.ipynb
data/
mlruns/
wandb/
*.ckpt
*.pt
```
or copy only what the image needs: `COPY src/ ./src/`.

## Fix safety
Safe: the fix creates `.dockerignore` at the context root with a line for each kind of
unwanted entry the context really holds (version control, virtualenvs, caches, secrets,
notebooks, data folders, checkpoints, as `dockerignore-incomplete` finds them) and never
one that a `COPY`/`ADD` names. The image gets the same files minus those.
"""

import posixpath
from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build
from dlint.rule import Rule

from .dockerignore_incomplete import ignore_changes, lines_of, unwanted

HEADER = "# Written by dlint check --fix: what the build context holds and the image does not need."


def create_fix(build: Build) -> Fix | None:
    """Create the context's .dockerignore with the lines its unwanted entries need."""
    if build.context is None:
        return None
    path = posixpath.normpath(posixpath.join(build.context.root, ".dockerignore"))
    entries = [line for found in unwanted(build, None).values() for line in lines_of(found)]
    text = "".join(f"{line}\n" for line in [HEADER, *entries])
    return Fix(
        "create a .dockerignore",
        (Edit(Span.of(1, 1, 1, 1), text, path),),
        changes=ignore_changes(build, entries),
    )


def check(build: Build) -> Iterator[Problem]:
    """Yield one problem at the first whole-context copy of a build with no ignore file."""
    if build.context is None or build.dockerignore is not None:
        return
    whole = [s for s in build.dockerfile.context_sources if s.whole_context]
    if whole:
        source = whole[0].word
        yield Problem(
            f"'{source.text}' copies the whole build context and no .dockerignore applies; "
            "add one that excludes .git, virtualenvs, secrets, data and checkpoints",
            source.span,
            create_fix(build),
        )


RULE = Rule(
    id="D500",
    name="dockerignore-missing",
    severity=Severity.WARNING,
    summary="the whole build context is copied and there is no .dockerignore",
    check=check,
    tags=("context", "security", "performance"),
    fixable=True,
)
