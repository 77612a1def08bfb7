"""## What it does
Flags a `HEALTHCHECK CMD` in shell form in the final image (the last `HEALTHCHECK` of
the final stage or a stage it is built `FROM`). `HEALTHCHECK NONE` and the exec form
(`CMD ["python", "-c", "..."]`) pass. A command that looks like a JSON array but is not
valid JSON is shell form too.

## Why it matters
Docker runs a shell-form check as `/bin/sh -c "..."` (`CMD-SHELL`) on every probe: the
image must have a shell, each probe starts one process more, and a `SHELL` instruction
changes what the probe runs under. An image that drops its shell (distroless, a
`scratch` runtime stage) then reports every probe as failed, and the orchestrator
restarts a service that works.

## Example
```dockerfile
HEALTHCHECK --interval=30s CMD python -m service.healthcheck
```

## Instead
```dockerfile
HEALTHCHECK --interval=30s CMD ["python", "-m", "service.healthcheck"]
```

## Fix safety
Safe when the command uses no shell feature (no variable, glob, quote with an expansion
inside, pipe, `||`, `;`, redirection or backslash) and the Dockerfile sets no `SHELL`:
the words become the JSON array, the same program runs with the same arguments and the
options (`--interval`, `--timeout`...) are kept. Unsafe otherwise:
`["/bin/sh", "-c", "..."]` states the shell the probe already ran under (`|| exit 1`
still maps the probe's exit code); with a `SHELL` instruction there is no fix.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.app import last
from dlint.edits import exec_array, plain_words
from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build, Instruction
from dlint.rule import Rule

from .shell_form_cmd import dockerfile_has_shell, single_quoted_array

CMD = regex.compile(r"\s*CMD(?=\s)\s*", re.IGNORECASE)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem when the final image's HEALTHCHECK CMD is in shell form."""
    healthcheck = last(build.dockerfile, "HEALTHCHECK")
    found = None if healthcheck is None else shell_command(healthcheck)
    if healthcheck is None or found is None:
        return
    command, span = found
    yield Problem(
        "HEALTHCHECK CMD in shell form runs every probe under /bin/sh; write it as a "
        'JSON array such as CMD ["python", "-m", "service.healthcheck"]',
        span,
        exec_form_fix(command, span, dockerfile_has_shell(build.dockerfile)),
    )


def shell_command(healthcheck: Instruction) -> tuple[str, Span] | None:
    """The command of ``HEALTHCHECK [options] CMD command`` and its span, when in shell form."""
    value = healthcheck.value
    offset = healthcheck.flags[-1].end_offset if healthcheck.flags else 0
    keyword = CMD.match(value, offset)
    if keyword is None:
        return None  # HEALTHCHECK NONE, or no command at all
    start, end = keyword.end(), len(value.rstrip())
    command = value[start:end]
    if not command or is_json_array(command):
        return None
    return command, healthcheck.locate(start, end)


def is_json_array(command: str) -> bool:
    """True for the exec form Docker reads: a JSON array of strings."""
    import json

    try:
        items = json.loads(command)
    except ValueError:
        return False
    return isinstance(items, list) and all(isinstance(i, str) for i in items)


def exec_form_fix(command: str, span: Span, has_shell: bool) -> Fix | None:
    """The probe's words as a JSON array, or the shell it ran under written out."""
    quoted = command.startswith("[")
    words = single_quoted_array(command) if quoted else plain_words(command)
    reshapes = span.start.line != span.end.line  # continuation lines become one
    if words is not None and not quoted and not has_shell:
        edit = Edit(span, exec_array(words))
        return Fix("write the probe in exec form", (edit,), True, reshapes, ("Healthcheck.form",))
    if has_shell:
        return None  # the SHELL's own array would have to be written: left to the author
    argv = words if words is not None else ["/bin/sh", "-c", command]
    edit = Edit(span, exec_array(argv))
    return Fix("write the probe in exec form", (edit,), False, reshapes, ("Healthcheck",))


RULE = Rule(
    id="D404",
    name="healthcheck-shell-form",
    severity=Severity.INFO,
    summary="HEALTHCHECK CMD in shell form: every probe needs /bin/sh in the image",
    check=check,
    tags=("runtime",),
    fixable=True,
)
