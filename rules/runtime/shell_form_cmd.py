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
No automatic fix: splitting a shell command into words changes variable expansion.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
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
        yield Problem(
            f'{what}; write it as a JSON array such as {keyword} ["server", "--flag"]',
            instruction.locate(start, end),
        )


RULE = Rule(
    id="D402",
    name="shell-form-cmd",
    severity=Severity.WARNING,
    summary="CMD or ENTRYPOINT in shell form: signals go to /bin/sh, not the app",
    check=check,
    aliases=("DL3025", "JSONArgsRecommended"),
    tags=("runtime",),
)
