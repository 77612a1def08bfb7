"""## What it does
Flags each package that `zypper install` names without an exact version
(`name=version`). A local `.rpm` file, a pattern (`-t pattern`) and a list held in a
variable with no value are left alone. hadolint accepts `name>=version` and the other
comparisons; dlint does not: a range installs whatever is newest on the day, which is the
problem a pin solves.

## Why it matters
Without a version, zypper installs whatever the repository offers on the day of the
build, so two builds of one commit can ship different libraries. Pinning costs upkeep
when the repository drops old versions, which is why this rule is only `info`.

## Example
```dockerfile
RUN zypper -n install python311 && zypper clean
```

## Instead
```dockerfile
RUN zypper -n install python311=3.11.10-150600.3.3.1 && zypper clean
```

## Fix safety
No automatic fix: the version available depends on the repository and the day.

## Differs from hadolint
- DL3037 (only dlint): version ranges (`'tomcat>=9.0'`, `tomcat\\<9.1`) are not pins and are
  flagged; hadolint accepts them.
- DL3037 (only hadolint): a pattern (`-t pattern devel_basis`) has no version, and passes;
  hadolint flags it.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, is_local, word_text


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every zypper package word without ``=version``."""
    for run, pkg in family_commands(build, "zypper"):
        if pkg.action != INSTALL or any(v.text != "package" for v in pkg.values("-t")):
            continue
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None or is_local(text) or text.endswith(".rpm"):
                continue
            if "=" in text and not any(op in text for op in ("<", ">")):
                continue
            name = text.split("<", 1)[0].split(">", 1)[0]
            yield Problem(
                f"zypper package '{text}' is not pinned to one version; install '{name}=<version>'",
                word.span,
            )


RULE = Rule(
    id="D222",
    name="zypper-unpinned",
    severity=Severity.INFO,
    summary="zypper install names a package without =version",
    check=check,
    aliases=("DL3037",),
    tags=("reproducibility", "zypper"),
)
