"""## What it does
Flags each crate that `cargo install` names without a version (`--version`, `--vers` or
`crate@1.2.3`), a `--git` install without `--rev` or `--tag`, and any `cargo install`
without `--locked`.

## Why it matters
`cargo install ripgrep` builds the newest release on the day of the build, and without
`--locked` it also ignores the crate's own `Cargo.lock` and resolves every dependency
afresh: a rebuild of one commit compiles different code, and a new dependency release can
break the build outright. `--locked` with an exact version builds what the authors tested.

## Example
```dockerfile
RUN cargo install ripgrep
```

## Instead
```dockerfile
RUN cargo install ripgrep@14.1.1 --locked
```

## Fix safety
No automatic fix: which version to pin is yours to choose (`--locked` alone could be
added safely, but it fails the build when a crate's lock file is out of date).
"""

from collections.abc import Iterator

from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, word_text


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every crate without a version, and at installs without --locked."""
    for run, pkg in family_commands(build, "cargo"):
        if pkg.action != INSTALL:
            continue
        locked = pkg.has_option("--locked", "--frozen")
        lock_hint = "" if locked else " --locked"
        git = pkg.has_option("--git")
        pinned = pkg.has_option("--version", "--vers") or (git and pkg.has_option("--rev", "--tag"))
        named = False
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None:
                continue
            named = True
            if pinned or (not git and "@" in text):
                if not locked:
                    yield Problem(
                        f"'cargo install {text}' resolves its dependencies afresh; add --locked",
                        word.span,
                    )
                continue
            how = "--rev <commit>" if git else f"{text}@<version>"
            yield Problem(f"crate '{text}' has no version; install {how}{lock_hint}", word.span)
        if not named and not locked and (git or pkg.has_option("--path")):
            yield Problem("cargo install resolves dependencies afresh; add --locked", pkg.verb.span)


RULE = Rule(
    id="D228",
    name="cargo-unpinned",
    severity=Severity.WARNING,
    summary="cargo install without an exact version or without --locked",
    check=check,
    tags=("reproducibility", "rust"),
)
