"""## What it does
Flags a `pip install` (also `uv pip install`, `pipx install`, `uv tool install`, `uv add`
and `-e` editables) of a version-control URL (`git+https://…`, `git+ssh://…`, `hg+…`)
that names no revision, or names a branch: `git+https://github.com/org/lib.git` and
`…/lib.git@main` install whatever the branch holds on the day of the build. A commit hash
(`@4f2a9c1…`) or a version tag (`@v1.2.0`, `@2024.06.1`) passes, in a direct reference too
(`lib @ git+https://…@v1.2.0`).

## Why it matters
A branch moves. Two builds of one commit install different code, and a force-push or a
compromised account changes what your image runs without any change on your side. pip
treats a VCS URL as satisfying any version, so `pip-unpinned` cannot see this; a tag is
better, a commit hash is exact.

## Example
```dockerfile
RUN pip install --no-cache-dir git+https://github.com/huggingface/transformers.git
```

## Instead
```dockerfile
RUN pip install --no-cache-dir \
    git+https://github.com/huggingface/transformers.git@v4.44.2
```

## Fix safety
No automatic fix: which revision to pin is yours to choose.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, word_text

VCS = regex.compile(r"(?:^|\s|@)((?:git|hg|svn|bzr)\+[a-z]+://\S+)")
COMMIT = regex.compile(r"^[0-9a-f]{7,40}$")
TAG = regex.compile(r"^v?\d+(\.\d+)*([.+-]?[\w.+-]*)?$")


def revision(url: str) -> str | None:
    """The ``@rev`` of a VCS URL (after the host, before ``#egg=``), or None."""
    url = url.split("#", 1)[0]
    path = url.split("://", 1)[1].partition("/")[2]
    return path.rsplit("@", 1)[1] if "@" in path else None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every VCS requirement without a commit or tag."""
    for run, pkg in family_commands(build, "pip"):
        if pkg.action != INSTALL:
            continue
        for word in (*pkg.packages, *pkg.values("-e", "--editable")):
            text = word_text(run, word)
            match = VCS.search(text or "")
            if match is None:
                continue
            rev = revision(match[1])
            if rev is not None and (COMMIT.match(rev) or TAG.match(rev)):
                continue
            what = f"branch '{rev}', which moves" if rev else "no revision"
            yield Problem(
                f"'{match[1]}' names {what}; pin a commit hash or a version tag (@v1.2.0)",
                word.span,
            )


RULE = Rule(
    id="D227",
    name="pip-vcs-unpinned",
    severity=Severity.WARNING,
    summary="pip install of a git URL without a commit or tag",
    check=check,
    tags=("reproducibility", "python"),
)
