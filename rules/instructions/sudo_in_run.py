"""## What it does
Flags `sudo` in a `RUN`. Installing the `sudo` package passes (that is
`root-user`'s business at run time). hadolint DL3004, Trivy DS-0010 and Checkov
CKV2_DOCKER_1 check the same.

## Why it matters
Build steps already run as the `USER` in effect, root unless you changed it: `sudo` as
root does nothing but add a dependency, and after `USER app` it either fails (no
terminal for a password) or works only because the image grants passwordless root,
which any code running in the container can then use too.

## Example
```dockerfile
USER app
RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends libgomp1
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
USER app
```
Switch users around the steps; to drop privileges in an entrypoint, use `gosu` or
`setpriv`.

## Fix safety
No automatic fix: the step may have to move before the `USER`.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity, Span
from dlint.model import Build, Heredoc, Instruction
from dlint.rule import Rule
from dlint.shell import tokenize

# Words after which a new command starts.
COMMAND_START = frozenset({"then", "do", "else", "elif", "{", "!", "if", "while", "until"})


def sudo_spans(instruction: Instruction) -> Iterator[Span]:
    """Where a RUN starts ``sudo`` as a command.

    ``Instruction.commands`` drops ``sudo`` (with ``env``, ``exec``...) to name the real
    program, so the words at the start of each command are read here: in the shell form,
    in heredoc scripts and as the program of the exec form.
    """
    exec_form = instruction.exec_form
    if exec_form is not None:
        if exec_form and exec_form[0].text.rsplit("/", 1)[-1] == "sudo":
            yield exec_form[0].span
        return
    sources = [(instruction.value, instruction.locate)]
    for doc in instruction.heredocs:

        def locate(start: int, end: int, doc: Heredoc = doc) -> Span:
            return Span(doc.place(start), doc.place(end))

        sources.append((doc.body, locate))
    for text, place in sources:
        if "sudo" not in text:
            continue
        at_start = True
        for token in tokenize(text):
            if token.operator:
                at_start = not token.text.startswith((">", "<")) or at_start
                continue
            if at_start and token.text.rsplit("/", 1)[-1] == "sudo":
                yield place(token.start, token.end)
            at_start = token.text in COMMAND_START


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each sudo a RUN runs."""
    for instruction in build.dockerfile.of("RUN"):
        for span in sudo_spans(instruction):
            yield Problem(
                "sudo in a build step: steps run as the USER in effect; run this step "
                "before switching USER instead",
                span,
            )


RULE = Rule(
    id="D723",
    name="sudo-in-run",
    severity=Severity.WARNING,
    summary="RUN uses sudo",
    check=check,
    aliases=("DL3004", "DS-0010", "CKV2_DOCKER_1"),
    tags=("security",),
)
