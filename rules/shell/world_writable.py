"""## What it does
Flags `chmod` (in a `RUN`) and `COPY`/`ADD --chmod` that make files writable by every
user: octal modes whose last digit has the write bit (`777`, `666`, `0757`), and symbolic
ones that add `w` for others (`o+w`, `a+rwx`, `ugo=rw`). Directories with the sticky bit
(`1777`, `+t`), as `/tmp` needs, pass.

## Why it matters
A service image should not let the process that runs it change its own code, models or
configuration: a world-writable file turns any code-execution bug into a persistent one,
and lets a process under another uid tamper with what the service loads. `chmod -R 777`
usually papers over a uid mismatch that `chown` (or `COPY --chown`) fixes properly.

## Example
```dockerfile
RUN chmod -R 777 /app
```

## Instead
```dockerfile
COPY --chown=app:app . /app
RUN chmod -R u=rwX,go=rX /app && install -d -o app -g app -m 700 /app/cache
```

## Fix safety
No automatic fix: which user needs to write where is yours to decide.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import commands_running
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

OCTAL = regex.compile(r"^0*([0-7]?)[0-7]{2}([0-7])$")
SYMBOLIC = regex.compile(r"^([ugoa]*)[+=][rwxXst]*w")


def world_writable(mode: str) -> bool:
    """True for a mode that gives others write access, without the sticky bit."""
    octal = OCTAL.match(mode)
    if octal:
        special = int(octal[1] or "0")
        return bool(int(octal[2]) & 2) and not special & 1
    clauses = mode.split(",")
    if any("t" in clause for clause in clauses):
        return False
    for clause in clauses:
        match = SYMBOLIC.match(clause)
        # No "who" (``+w``) goes through the umask, which keeps others out by default.
        if match and ("o" in match[1] or "a" in match[1]):
            return True
    return False


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every mode word that makes files world-writable."""
    dockerfile = build.dockerfile
    for _, command in commands_running(dockerfile, "chmod"):
        modes = [w for w in command.arguments if not w.text.startswith("-")][:1]
        for word in modes:
            if word.known and world_writable(word.text):
                yield Problem(
                    f"mode {word.text} lets every user write here; give the service user "
                    "ownership (chown, COPY --chown) instead",
                    word.span,
                )
    for instruction in dockerfile.of("COPY", "ADD"):
        for flag in instruction.flags:
            if flag.name == "chmod" and flag.value and world_writable(flag.value):
                yield Problem(
                    f"--chmod={flag.value} lets every user write here; use --chown for the "
                    "service user instead",
                    flag.span,
                )


RULE = Rule(
    id="D806",
    name="world-writable",
    severity=Severity.WARNING,
    summary="chmod or COPY --chmod makes files writable by every user",
    check=check,
    tags=("security", "shell"),
)
