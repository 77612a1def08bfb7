"""## What it does
Flags each application that `pipx install` or `uv tool install` names without an exact
version (`black`, `ruff>=0.6`), unless `--spec` pins it. A `pipx inject` of extra
packages is judged the same way. Local paths pass; git and other URLs are left to
`pip-vcs-unpinned`.

## Why it matters
pipx and uv tool install the newest release on the day of the build, and resolve its
dependencies the same way: a rebuild of one commit can ship a different formatter, CLI
or server. hadolint reports pipx under `DL3013` (pip); dlint keeps it apart because the
fix is spelled differently (`pipx install black==24.8.0`, `uv tool install ruff==0.6.9`).

## Example
```dockerfile
RUN pipx install poetry && uv tool install ruff
```

## Instead
```dockerfile
RUN pipx install poetry==1.8.3 && uv tool install ruff==0.6.9
```

## Fix safety
No automatic fix: which version to pin is yours to choose.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.requirements import is_pinned_spec, requirement_name
from dlint.rule import Rule

from ._managers import family_commands, is_local, word_text

MANAGERS = frozenset({"pipx", "uv-tool"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every tool named without ``==version``."""
    for run, pkg in family_commands(build, "pip"):
        if pkg.manager not in MANAGERS or pkg.action != INSTALL:
            continue
        if any(is_pinned_spec(v.text) for v in pkg.values("--spec", "--from")):
            continue
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None or is_local(text) or "+" in text.split(":", 1)[0]:
                continue
            name = requirement_name(text)
            if name is None or is_pinned_spec(text):
                continue
            yield Problem(
                f"'{text}' is not pinned to one version; install '{name}==<version>'",
                word.span,
            )


RULE = Rule(
    id="D226",
    name="python-tool-unpinned",
    severity=Severity.WARNING,
    summary="pipx install or uv tool install names a tool without an exact version",
    check=check,
    tags=("reproducibility", "python"),
)
