"""## What it does
Flags a `RUN` that runs a script straight from the network: `curl … | sh` (or `bash`,
`zsh`, `python`, `sudo sh`…), `wget -qO- … | bash`, `sh -c "$(curl …)"` and
`bash <(curl …)`.

## Why it matters
The script is never written down: what the image runs is whatever the server returned at
build time, unreviewed and unverified, with root privileges. A truncated download runs a
truncated script, and under the default shell a failed `curl` hands `sh` an empty
script that succeeds. The server can change the script for every build (or only for
builds it recognises) without anything in your repository changing.

## Example
```dockerfile
RUN curl -fsSL https://astral.sh/uv/install.sh | sh
```

## Instead
```dockerfile
ARG UV_INSTALLER_SHA256=5f3b2a...
RUN curl -fsSLo /tmp/install.sh https://astral.sh/uv/0.4.18/install.sh \
    && echo "${UV_INSTALLER_SHA256}  /tmp/install.sh" | sha256sum -c - \
    && sh /tmp/install.sh && rm /tmp/install.sh
```
Better still, install a pinned release from a package index or `COPY --from` an official
image (`COPY --from=ghcr.io/astral-sh/uv:0.4.18 /uv /bin/uv`).

## Fix safety
No automatic fix: the checksum has to come from you.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule
from dlint.script import SHELLS

from ._shell import texts

SUBSTITUTIONS = ("$(curl", "$(wget", "`curl", "`wget", "<(curl", "<(wget")
# ``curl … | [sudo -E] sh``: read from the text, because a shell reading its script from
# stdin (``| sh``, ``| bash -``) is not a command the model lists.
PIPED = regex.compile(
    r"(?<![\w.-])(curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*|env\s+)?(?:/\S*/)?"
    r"(sh|bash|zsh|dash|ash|ksh|python3?|perl|ruby|node)(?![\w.-])"
)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every download that is run as a script without being saved."""
    for run in build.dockerfile.of("RUN"):
        found = []
        for command in run.commands:
            if command.program in SHELLS and any(
                w.raw.lstrip("\"'").startswith(SUBSTITUTIONS) for w in command.arguments
            ):
                found.append((command.words[0].span, f"{command.program} runs"))
        for text, locate in texts(run):
            for match in PIPED.finditer(text) if "|" in text else ():
                span = locate(match.start(1), match.end(1))
                found.append((span, f"'{match[1]} … | {match[2]}' runs"))
        for span, what in sorted(found, key=lambda f: f[0].start):
            yield Problem(
                f"{what} a script downloaded at build time, unchecked; save it, verify its "
                "checksum, then run it",
                span,
            )


RULE = Rule(
    id="D805",
    name="remote-script-piped",
    severity=Severity.WARNING,
    summary="curl or wget output is piped straight into a shell",
    check=check,
    tags=("security", "shell"),
)
