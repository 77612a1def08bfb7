"""## What it does
Flags each package that `apt-get install` or `apt install` names without a version
(`name=version`). A version from an `ARG` (`python3=${PY_DEB_VERSION}`) counts; a local
`.deb` file and a package list held in a variable (`$PACKAGES`) are left alone. A
release selection (`curl/bookworm-backports`) is not a version pin and is flagged.

## Why it matters
Without a version, apt installs whatever the mirror offers on the day of the build, so
two builds of one commit can ship different system libraries. Pinning makes rebuilds
repeatable and makes a library change a reviewed change. It is also a maintenance cost:
distributions drop old versions from their mirrors, which is why this rule is only
`info` by default. Prefer a pinned, dated base image where you can.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 curl
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends \
        libgomp1=12.2.0-14 curl=7.88.1-10+deb12u7 \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
No automatic fix: the version available depends on the distribution and the day.
"""

from collections.abc import Iterator

from dlint.commands import apt_installs
from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction, Word
from dlint.rule import Rule


def unpinned(run: Instruction, word: Word) -> str | None:
    """The package text of ``word`` when it names a package without ``=version``."""
    resolved = run.resolve(word.text)
    text = resolved.text if resolved.complete else word.text
    if not text or text.startswith(("$", "`", ".", "/")) or text.endswith(".deb"):
        return None
    return None if "=" in text else text


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every apt package word that has no ``=version``."""
    for run in build.dockerfile.of("RUN"):
        for apt in apt_installs(run):
            for word in apt.packages:
                text = unpinned(run, word)
                if text is None:
                    continue
                name = text.split("/", 1)[0]
                yield Problem(
                    f"apt package '{text}' has no version; install '{name}=<version>'",
                    word.span,
                )


RULE = Rule(
    id="D202",
    name="apt-unpinned",
    severity=Severity.INFO,
    summary="apt-get install names a package without =version",
    check=check,
    aliases=("DL3008",),
    tags=("reproducibility", "apt"),
)
