"""## What it does
Flags each gem that `gem install` (`gem i`) names without a version: neither
`name:version` nor a `-v`/`--version` option. A local `.gem` file passes.

## Why it matters
Without a version, gem installs whatever rubygems.org holds on the day of the build, so
a rebuild of one commit can ship a different gem and, with it, different dependencies.

## Example
```dockerfile
RUN gem install bundler
```

## Instead
```dockerfile
RUN gem install bundler:2.5.17
```
Or `gem install bundler -v 2.5.17`; for an application, `bundle install` from a
`Gemfile.lock`.

## Fix safety
No automatic fix: which version to pin is yours to choose.

## Differs from hadolint
- DL3028 (only hadolint): a local `.gem` file (`./local.gem`) has no version to pin, and
  passes; hadolint flags it.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, is_local, word_text


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every gem name without ``:version`` or ``-v``."""
    for run, pkg in family_commands(build, "gem"):
        if pkg.action != INSTALL or pkg.has_option("-v", "--version"):
            continue
        # Words after ``--`` go to the gem's build (``--use-system-libraries true``).
        cut = next((w.span.start for w in pkg.command.words if w.text == "--"), None)
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None or is_local(text) or text.endswith(".gem") or ":" in text:
                continue
            if cut is not None and word.span.start > cut:
                continue
            yield Problem(f"gem '{text}' has no version; install '{text}:<version>'", word.span)


RULE = Rule(
    id="D224",
    name="gem-unpinned",
    severity=Severity.WARNING,
    summary="gem install names a gem without a version",
    check=check,
    aliases=("DL3028",),
    tags=("reproducibility", "ruby"),
)
