"""## What it does
Flags a `CMD` or `ENTRYPOINT` in shell form that the final image starts with (the last
of each in the final stage or a stage it is built `FROM`). An argument that looks like a
JSON array but is not valid JSON (single quotes, a trailing comma) is shell form too, and
the message says so. A shell-form `CMD` after an exec-form `ENTRYPOINT` is flagged as
well: Docker hands it to the entrypoint as `/bin/sh -c "..."` arguments.

## Why it matters
In shell form Docker runs `/bin/sh -c "..."`: the shell is PID 1, so `docker stop` and
Kubernetes' SIGTERM reach the shell, not the server. The server never drains its requests
and is killed after the grace period, dropping in-flight inference calls.

## Example
```dockerfile
CMD gunicorn --bind 0.0.0.0:8000 app:app
CMD ['uvicorn', 'app:app']
```

## Instead
```dockerfile
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```
If you need the shell (variables, `&&`), end the script with `exec` so the server
replaces the shell: `CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"]`.

## Fix safety
Safe when the command uses no shell feature (no variable, glob, quote with an expansion
inside, pipe, `&&`, `;`, redirection or backslash) and the Dockerfile sets no `SHELL`:
the words become the JSON array, and the same program runs with the same arguments.
Unsafe otherwise: `["sh", "-c", "exec ..."]` for one command (the server then replaces
the shell), `["sh", "-c", "..."]` for a script; review that the shell still forwards
what it must. A shell-form `CMD` after an exec-form `ENTRYPOINT` is converted only as
unsafe (and not at all when it needs a shell): the entrypoint then gets the words instead
of `/bin/sh -c "..."`. A `CMD ['...']` with single quotes becomes the array it meant, as
unsafe: today it fails to start.

## Differs from hadolint
- DL3025 (only hadolint): hadolint takes the `CMD` of a `HEALTHCHECK CMD ...` for a `CMD`
  (`healthcheck-shell-form`'s business: Docker runs a health check through the shell on
  purpose) and flags every `CMD` of every stage, also ones a later `CMD` overrides and ones
  of builder stages; dlint flags only the command the final image starts with.
"""

import ast
from collections.abc import Iterator

from dlint.edits import exec_array, plain_words
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Dockerfile, Instruction
from dlint.rule import Rule

from ._image import start_command


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each shell-form CMD or ENTRYPOINT the final image runs."""
    entrypoint, cmd = start_command(build.dockerfile)
    for instruction in (entrypoint, cmd):
        if instruction is None or instruction.exec_form is not None:
            continue
        value = instruction.value
        start, end = len(value) - len(value.lstrip()), len(value.rstrip())
        if start >= end:
            continue
        keyword = instruction.keyword
        if value[start] == "[":
            what = f"{keyword} is not valid JSON (use double quotes), so it runs in shell form"
        elif keyword == "CMD" and entrypoint is not None and entrypoint.exec_form is not None:
            what = "shell-form CMD is passed to the ENTRYPOINT as '/bin/sh -c ...' arguments"
        else:
            what = f"{keyword} in shell form runs under /bin/sh, which does not forward signals"
        span = instruction.locate(start, end)
        after_entrypoint = (
            keyword == "CMD" and entrypoint is not None and (entrypoint.exec_form is not None)
        )
        yield Problem(
            f'{what}; write it as a JSON array such as {keyword} ["server", "--flag"]',
            span,
            exec_form_fix(build.dockerfile, instruction, after_entrypoint),
        )


def exec_form_fix(dockerfile: Dockerfile, instruction: Instruction, unsafe: bool) -> Fix | None:
    """The instruction's command as a JSON array: its own words, or ``sh -c`` around it."""
    command = instruction.value.strip()
    span = instruction.locate(
        len(instruction.value) - len(instruction.value.lstrip()), len(instruction.value.rstrip())
    )
    quoted = command.startswith("[")
    words = single_quoted_array(command) if quoted else plain_words(command)
    safe = words is not None and not (unsafe or quoted or dockerfile_has_shell(dockerfile))
    # The image runs the same words without /bin/sh in front (Cmd.form); a malformed
    # array or an ``sh -c`` wrapper changes the command itself.
    key = instruction.keyword.capitalize()
    changes = (f"{key}.form",) if words is not None and not quoted else (key,)
    if words is None:
        if unsafe or quoted:
            return None  # sh -c would become the entrypoint's arguments, or is no fix
        single = not any(op in command for op in ("&&", "||", ";", "|", "&", "\n"))
        words = ["sh", "-c", f"exec {command}" if single else command]
    reshapes = span.start.line != span.end.line  # continuation lines become one
    edit = Edit(span, exec_array(words))
    return Fix("write the command in exec form", (edit,), safe, reshapes, changes=changes)


def single_quoted_array(command: str) -> list[str] | None:
    """The strings of ``['python', 'app.py']`` (what the author meant), or None."""
    try:
        items = ast.literal_eval(command)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(items, list | tuple) and items and all(isinstance(i, str) for i in items):
        return list(items)
    return None


def dockerfile_has_shell(dockerfile: Dockerfile) -> bool:
    """True when a ``SHELL`` instruction changes what shell form runs under."""
    return any(i.keyword == "SHELL" for i in dockerfile.instructions)


RULE = Rule(
    id="D402",
    name="shell-form-cmd",
    severity=Severity.WARNING,
    summary="CMD or ENTRYPOINT in shell form: signals go to /bin/sh, not the app",
    check=check,
    aliases=("DL3025", "JSONArgsRecommended"),
    tags=("runtime",),
    fixable=True,
)
