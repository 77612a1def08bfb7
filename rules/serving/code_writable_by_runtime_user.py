"""## What it does
Flags application code or model files in the final image that the user the image runs
as (`USER`, by name or uid) owns or may write: a `COPY --chown=<that user>` of them, a
`RUN chown -R <that user>` over them, or a `chmod -R` that makes them world-writable
(`777`, `o+w`, `a+w`). Code means the files the start command runs (dlint follows it into
the Python files it loads) and the final `WORKDIR` the code is copied into. An image
that runs as root is `root-user`'s finding, not this one.

## Why it matters
A service that can rewrite its own code and model turns any file-write bug (an upload
path, a pickle, a template) into remote code execution that survives a restart of the
process, and a poisoned model that keeps serving. Root-owned, read-only code is free:
the process only needs to read it. It also makes the image run under an arbitrary uid
(OpenShift, `runAsUser`) and on a read-only root filesystem.

## Example
```dockerfile
RUN useradd --create-home appuser
WORKDIR /app
COPY . .
RUN chown -R appuser:appuser /app
USER appuser
```

## Instead
```dockerfile
RUN useradd --create-home appuser
WORKDIR /app
COPY . .
RUN install -d -o appuser /app/tmp     # only what the service writes
USER appuser
```

## Fix safety
Unsafe: the `--chown` flag is dropped, or the `RUN` that is only the `chown -R` is
removed, so the code stays root's and readable. The service may really write somewhere
under its code folder (a cache, uploads): then it fails where it writes, and that folder
should be made on its own (`RUN install -d -o appuser /app/tmp`). `dlint test
--verify-fixes --unsafe-fixes` runs the contract against the fixed image. No fix for a
`chown` inside a longer `RUN`, nor for `chmod`.
"""

import posixpath
from collections.abc import Iterator

from dlint.app import workdir
from dlint.edits import line_text, remove_lines
from dlint.finding import Edit, Fix, Position, Problem, Severity, Span
from dlint.model import Build, Dockerfile
from dlint.rule import Rule

from ._serving import RECURSIVE, app_of, covers, runtime_user, same_user, workdir_at

WORLD_WRITABLE_DIGITS = frozenset("2367")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem where code or model files are given to the runtime user."""
    dockerfile = build.dockerfile
    found = runtime_user(dockerfile)
    if found is None:
        return
    user, _ = found
    code = code_paths(build)
    if not code:
        return

    def is_code(path: str) -> bool:
        return any(covers(path, c) or covers(c, path) for c in code)

    for instruction in dockerfile.in_final_image("COPY", "ADD"):
        copy = dockerfile.copy_of(instruction)
        flag = next((f for f in instruction.flags if f.name == "chown"), None)
        if copy is None or flag is None or not copy.chown:
            continue
        if same_user(dockerfile, instruction.resolve(copy.chown).text, user) and is_code(
            copy.destination
        ):
            yield Problem(
                f"{instruction.keyword} --chown gives the code at {copy.destination} to "
                f"'{user}', the user the image runs as; leave it owned by root",
                flag.span,
                drop_flag_fix(dockerfile, flag.span, copy.destination),
            )
    for run in dockerfile.in_final_image("RUN"):
        cwd = workdir_at(dockerfile, run)
        for command in run.commands:
            if command.program not in ("chown", "chmod") or command.conditional:
                continue
            words = [w.text for w in command.arguments]
            operands = [w for w in words if not w.startswith("-")]
            if not any(RECURSIVE.match(w) for w in words) or len(operands) < 2:
                continue
            setting = run.resolve(operands[0]).text
            paths = [posixpath.normpath(posixpath.join(cwd, p)) for p in operands[1:]]
            if not any(is_code(p) for p in paths):
                continue
            if command.program == "chown" and same_user(dockerfile, setting, user):
                fix = None
                if len(run.commands) == 1 and not command.within and not run.onbuild:
                    fix = Fix(
                        f"leave {paths[0]} owned by root: drop the chown",
                        (remove_lines(dockerfile, run.span.start.line, run.span.end.line),),
                        False,
                        reshapes=True,
                        changes=tuple(f"owners:{p}/**" for p in paths)
                        + tuple(f"owners:{p}" for p in paths),
                    )
                yield Problem(
                    f"chown -R gives the code at {paths[0]} to '{user}', the user the image "
                    "runs as; leave it owned by root and chown only what the service writes",
                    command.span,
                    fix,
                )
            elif command.program == "chmod" and world_writable(setting):
                yield Problem(
                    f"chmod -R {setting} makes the code at {paths[0]} writable for every "
                    "user, the runtime user included; drop the write bits",
                    command.span,
                )


def drop_flag_fix(dockerfile: Dockerfile, span: Span, destination: str) -> Fix | None:
    """Remove ``--chown=…`` and the blank after it: the copy stays root's."""
    line = line_text(dockerfile, span.end.line)
    if span.start.line != span.end.line or line[span.end.column - 1 : span.end.column] != " ":
        return None
    end = Position(span.end.line, span.end.column + 1)
    destination = posixpath.normpath(destination)
    return Fix(
        f"leave {destination} owned by root: drop --chown",
        (Edit(Span(span.start, end), ""),),
        False,
        changes=(f"owners:{destination}/**", f"owners:{destination}"),
    )


def code_paths(build: Build) -> list[str]:
    """Where the code lives in the image: the files the start command runs, the WORKDIR."""
    app = app_of(build)
    paths = [f.source.image_path for f in app.files]
    cwd = workdir(build.dockerfile)
    if cwd != "/":
        paths.append(cwd)
    return paths


def world_writable(mode: str) -> bool:
    """``777``, ``0666``, ``o+w``, ``a+rwX``, ``ugo+w``."""
    if mode.isdigit():
        return mode[-1] in WORLD_WRITABLE_DIGITS
    for clause in mode.split(","):
        who, op, perms = clause.partition("+") if "+" in clause else ("", "", "")
        if op and "w" in perms and ("o" in who or "a" in who):
            return True
    return False


RULE = Rule(
    id="D603",
    name="code-writable-by-runtime-user",
    severity=Severity.WARNING,
    summary="the application code or model is owned by or writable for the runtime user",
    check=check,
    tags=("serving", "security"),
    fixable=True,
)
