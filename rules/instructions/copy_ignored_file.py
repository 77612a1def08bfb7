"""## What it does
Flags a `COPY` or `ADD` source in the build context that the `.dockerignore` excludes,
so it is never sent to the builder: an exact path, a path inside an excluded folder,
or a wildcard whose folder is excluded (`COPY data/*.csv` with `data` ignored), and a
copy of the whole context (`COPY . .`) when the `.dockerignore` excludes every name
(`*`). A `!` line that brings the path back is honoured. BuildKit's `CopyIgnoredFile`.

## Why it matters
The build fails at that step (`failed to compute cache key: not found`), or, for a
folder that is only partly excluded, silently copies less than it says: a model
directory whose weights the `.dockerignore` keeps out ships without them.

## Example
```dockerfile
# .dockerignore: models/
COPY models/classifier.joblib /opt/model/
```

## Instead
Re-include what the image needs (`!models/classifier.joblib`), or fetch the model at
build time from where it is published.

## Fix safety
No automatic fix: either the `.dockerignore` or the `COPY` is wrong.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

WILDCARDS = "*?["
PROBES = ("dlint-probe-name", ".dlint-probe-name")


def literal_folder(path: str) -> str:
    """The part of a wildcard path before its first wildcard segment (``data`` for
    ``data/*.csv``); the path itself when it has none."""
    parts = path.split("/")
    for index, part in enumerate(parts):
        if any(c in part for c in WILDCARDS):
            return "/".join(parts[:index])
    return path


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each copied context path the .dockerignore excludes."""
    ignore = build.dockerignore
    if ignore is None:
        return
    # A pattern such as "*" keeps every top-level name out, dotfiles included.
    everything = all(ignore.excludes_all_of(probe) for probe in PROBES)
    for copy in build.dockerfile.copies:
        if copy.instruction.onbuild:
            continue
        for source in copy.context_sources:
            if source.whole_context and everything:
                yield Problem(
                    f"{ignore.path} excludes everything, so '{source.text}' copies nothing",
                    source.word.span,
                )
                continue
            if source.path is None or source.whole_context or source.outside:
                continue
            path = literal_folder(source.path)
            if not path or path == "." or not ignore.excludes_all_of(path):
                continue
            what = (
                f"'{source.text}'" if path == source.path else f"everything '{source.text}' matches"
            )
            yield Problem(
                f"{what} is excluded by {ignore.path}, so it is not in the build context "
                f"and {copy.instruction.keyword} fails",
                source.word.span,
            )


RULE = Rule(
    id="D715",
    name="copy-ignored-file",
    severity=Severity.ERROR,
    summary="COPY or ADD names a path that the .dockerignore keeps out of the context",
    check=check,
    aliases=("CopyIgnoredFile",),
    tags=("correctness", "context"),
)
