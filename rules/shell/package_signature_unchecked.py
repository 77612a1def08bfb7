"""## What it does
Flags every place where a package manager is told to install packages whose signature it
cannot check:

- `apk add --allow-untrusted`;
- `apt-get --allow-unauthenticated`, `--allow-insecure-repositories`, `--force-yes`,
  `-o APT::Get::AllowUnauthenticated=true`, `-o Acquire::AllowInsecureRepositories=true`,
  and a sources line marked `[trusted=yes]`;
- `yum`/`dnf`/`microdnf --nogpgcheck`, `--setopt=gpgcheck=0`, and `gpgcheck=0` written into
  a repository file;
- `rpm --nosignature` and `--nodigest`;
- `GOSUMDB=off` and `GOFLAGS=-insecure` (in `ENV`, `ARG` or a `RUN`).

One rule for every Checkov check of this family (`CKV2_DOCKER_7` to `CKV2_DOCKER_11`).

## Why it matters
Package signatures are what stops a mirror, a proxy or anyone between them from swapping
a package. Turning the check off means the image runs whatever arrived, with root
privileges, at build time. A third-party repository needs its key imported (`gpg
--dearmor` into `/etc/apt/keyrings`, `rpm --import`), not the check switched off.

## Example
```dockerfile
RUN echo "deb [trusted=yes] http://repo.example.com/apt stable main" \
        > /etc/apt/sources.list.d/example.list \
    && apt-get update && apt-get install -y --allow-unauthenticated example-tool
```

## Instead
```dockerfile
RUN curl -fsSL https://repo.example.com/key.gpg | gpg --dearmor -o /etc/apt/keyrings/example.gpg \
    && echo "deb [signed-by=/etc/apt/keyrings/example.gpg] https://repo.example.com/apt" \
        "stable main" > /etc/apt/sources.list.d/example.list \
    && apt-get update && apt-get install -y example-tool
```

## Fix safety
No automatic fix: the repository's key has to be imported first.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import package_command
from dlint.finding import Problem, Severity, Span
from dlint.model import Build, Command, Word
from dlint.rule import Rule

from ._shell import settings, texts

TRUE = r"[\"']?(true|1|yes)[\"']?$"
APT_OPTIONS = regex.compile(
    rf"^(APT::Get::AllowUnauthenticated|Acquire::AllowInsecureRepositories)={TRUE}", re.I
)
# ``gpgcheck=0`` at a word start, or after a ``\n`` that printf will turn into a line break.
GPGCHECK = regex.compile(
    r"(?:(?<=\\n)|(?<![\w.]))(repo_)?gpgcheck\s*=\s*[\"']?(0|false|no|off)\b", re.I
)
TRUSTED = regex.compile(r"\[[^\]]*\btrusted=yes\b[^\]]*\]")

FLAGS = {
    "apk": {"--allow-untrusted": "apk's signature check"},
    "apt": {
        "--allow-unauthenticated": "apt's signature check",
        "--allow-insecure-repositories": "apt's repository signature check",
        "--force-yes": "apt's signature check (and more)",
    },
    "dnf": {"--nogpgcheck": "the GPG signature check"},
}
RPM_FLAGS = {"--nosignature": "rpm's signature check", "--nodigest": "rpm's digest check"}


def in_command(command: Command) -> Iterator[tuple[Word, str]]:
    """The words of ``command`` that turn signature checks off, with what they turn off."""
    if command.program == "rpm":
        for word in command.arguments:
            if word.text in RPM_FLAGS:
                yield word, RPM_FLAGS[word.text]
    pkg = package_command(command)
    if pkg is None or pkg.family not in FLAGS:
        return
    flags = FLAGS[pkg.family]
    for word in command.arguments:
        if word.text in flags:
            yield word, flags[word.text]
    for value in pkg.values("-o", "--option"):
        if APT_OPTIONS.match(value.text):
            yield value, "apt's signature check"


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every option, setting or line that skips package signatures."""
    found: dict[tuple, str] = {}
    for run in build.dockerfile.of("RUN"):
        for command in run.commands:
            for word, what in in_command(command):
                found.setdefault((word.span.start, word.span.end), what)
        for text, locate in texts(run):
            if "=" not in text:  # both patterns need one
                continue
            for pattern, what in (
                (GPGCHECK, "the GPG signature check"),
                (TRUSTED, "apt's signature check"),
            ):
                for match in pattern.finditer(text):
                    span = locate(match.start(), match.end())
                    found.setdefault((span.start, span.end), what)
    for setting in settings(build):
        off = (setting.name == "GOSUMDB" and setting.value == "off") or (
            setting.name == "GOFLAGS" and "-insecure" in setting.value
        )
        if off:
            found.setdefault((setting.span.start, setting.span.end), "Go's checksum database")
    for (start, end), what in sorted(found.items()):
        yield Problem(
            f"this turns off {what}; import the repository's key instead",
            Span(start, end),
        )


RULE = Rule(
    id="D808",
    name="package-signature-unchecked",
    severity=Severity.ERROR,
    summary="a package manager installs packages without checking their signatures",
    check=check,
    aliases=("CKV2_DOCKER_7", "CKV2_DOCKER_8", "CKV2_DOCKER_9", "CKV2_DOCKER_10", "CKV2_DOCKER_11"),
    tags=("security", "shell"),
)
