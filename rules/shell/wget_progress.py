"""## What it does
Flags `wget` without `--progress=…` and without an option that quiets or redirects its
output (`-q`/`--quiet`, `-nv`/`--no-verbose`, `-o`/`--output-file`, `-a`/`--append-output`).
Off by default: select it by name, or with `ALL`.

## Why it matters
Without a terminal, wget falls back to printing a dot for every few kilobytes: a large
model or CUDA archive fills the build log with tens of thousands of lines, which hides the
lines that matter and can exceed a CI system's log limit. `--progress=dot:giga` prints one
line per 32 MB. A matter of log hygiene, hence opt-in.

## Example
```dockerfile
RUN wget https://example.com/model.safetensors
```

## Instead
```dockerfile
RUN wget --progress=dot:giga https://example.com/model.safetensors
```

## Fix safety
Safe: `dlint check --fix` adds `--progress=dot:giga` right after `wget`. It changes only
what wget prints.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity, insert_option_after
from dlint.model import Build
from dlint.rule import Rule

QUIET = ("-q", "--quiet", "-nv", "--no-verbose", "-o", "--output-file", "-a", "--append-output")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem, with a fix, at every chatty ``wget``."""
    for _, command in commands_running(build.dockerfile, "wget"):
        args = [w.text for w in command.arguments]
        if any(a.startswith(("--progress", *QUIET)) for a in args):
            continue
        if any(a[:1] == "-" and a[1:2] != "-" and "q" in a[1:] for a in args):
            continue
        word = command.words[0]
        yield Problem(
            "wget prints a progress dot per few kilobytes into the build log; "
            "add --progress=dot:giga",
            word.span,
            insert_option_after(word.raw, word.span, "--progress=dot:giga"),
        )


RULE = Rule(
    id="D803",
    name="wget-progress",
    severity=Severity.STYLE,
    summary="wget without --progress fills the build log with progress dots",
    check=check,
    aliases=("DL3047",),
    tags=("logs", "shell"),
    fixable=True,
    opt_in=True,
)
