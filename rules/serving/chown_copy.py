"""## What it does
Flags a `RUN chown -R` or `RUN chmod -R` in the final image over files that an earlier
`COPY`/`ADD` put there (its destination, or a folder around it or inside it). The
finding is at the `chown`/`chmod` command and names the copies and the owner or mode to
give them instead.

## Why it matters
Every layer stores whole files. Changing the owner or mode of a copied file in a later
`RUN` stores the file a second time, in the new layer, with the new metadata: the
chapter-style `COPY . /app` + `RUN chown -R app:app /app` doubles `/app` in every pull,
and `chown -R` over a copied virtualenv or model doubles gigabytes. `COPY --chown` and
`COPY --chmod` set both in the one layer. (Whether the runtime user should own the code
at all is `code-writable-by-runtime-user`'s question.)

## Example
```dockerfile
COPY . /app
RUN chown -R appuser:appuser /app
```

## Instead
```dockerfile
COPY --chown=appuser:appuser . /app
```
Better still for code, leave it owned by root (see `code-writable-by-runtime-user`) and
`chown` only the folders the service writes to, created empty.

## Fix safety
When the `RUN` is the one `chown -R`/`chmod -R` command over one path, the fix adds
`--chown=<owner>` (`--chmod=<mode>`, octal modes only; it needs BuildKit) to the copies
that land there and removes the `RUN`, when the user and group already exist at the first
of those copies (`COPY --chown` fails on a name created later). When the path is a folder
that existed before the copies (a `WORKDIR`), the `RUN` keeps a non-recursive
`chown`/`chmod` of that folder alone, so the folder's own owner is as before. Safe when
every such copy's destination is the path itself and no other `RUN` before it names the
path (so the copies are all that is in it); unsafe when the path is a folder around the
destinations (other files in it keep their owner).
"""

from collections.abc import Iterator

from dlint import regex
from dlint.edits import remove_lines
from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build, Command, Copy, Dockerfile, Instruction
from dlint.rule import Rule

from ._serving import RECURSIVE, accounts_created, covers, workdir_at


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each recursive chown/chmod over files an earlier copy added."""
    dockerfile = build.dockerfile
    copies = [dockerfile.copy_of(i) for i in dockerfile.in_final_image("COPY", "ADD")]
    for run in dockerfile.in_final_image("RUN"):
        for command in run.commands:
            target = recursive_change(command)
            if target is None or command.conditional:
                continue
            setting, paths = target
            cwd = workdir_at(dockerfile, run)
            resolved = [_absolute(run, cwd, p) for p in paths]
            found = [
                c
                for c in copies
                if c is not None
                and c.instruction.index < run.index
                and any(covers(p, c.destination) or covers(c.destination, p) for p in resolved)
            ]
            if not found:
                continue
            lines = [c.instruction.span.start.line for c in found]
            option = "--chown" if command.program == "chown" else "--chmod"
            where = ", ".join(str(n) for n in lines)
            yield Problem(
                f"{command.program} -R rewrites files copied in at line {where}, so the "
                f"image stores them twice; give the copy {option}={setting} instead",
                command.span,
                copy_flag_fix(dockerfile, run, command, setting, resolved, found),
            )


OCTAL = regex.compile(r"^[0-7]{3,4}$")


def copy_flag_fix(
    dockerfile: Dockerfile,
    run: Instruction,
    command: Command,
    setting: str,
    paths: list[str],
    copies: list[Copy],
) -> Fix | None:
    """Give the copies the owner (mode) and drop the recursive command, when that is exact."""
    chown = command.program == "chown"
    if len(run.commands) != 1 or run.heredocs or run.exec_form is not None or len(paths) != 1:
        return None
    if not chown and not OCTAL.match(setting):
        return None
    path = paths[0].rstrip("/") or "/"
    if any(not covers(path, c.destination) or (c.chown if chown else c.chmod) for c in copies):
        return None
    if chown and not owner_exists(dockerfile, setting, min(c.instruction.index for c in copies)):
        return None  # COPY --chown needs the user and group when the copy runs
    option = "--chown" if chown else "--chmod"
    edits = [
        Edit(
            Span(c.instruction.keyword_span.end, c.instruction.keyword_span.end),
            f" {option}={setting}",
        )
        for c in copies
    ]
    if any(covers(path, folder) for folder in workdirs_before(dockerfile, run)):
        # The folder existed before the copies: keep its own owner (mode) as it was set.
        start = run.locate(0, 1).start
        end = run.locate(len(run.value.rstrip()) - 1, len(run.value.rstrip())).end
        edits.append(Edit(Span(start, end), f"{command.program} {setting} {path}"))
    else:
        edits.append(remove_lines(dockerfile, run.span.start.line, run.span.end.line))
    exact = all(c.destination.rstrip("/") == path for c in copies) and not any(
        path in r.value for r in dockerfile.in_final_image("RUN") if r.index < run.index
    )
    # Exact: the same owners (modes) as the recursive command left. Otherwise files that
    # were in the folder before the copies keep theirs: only owners (modes) may differ.
    kind = "owners" if chown else "files"
    changes = () if exact else (f"{kind}:{path.rstrip('/')}/**",)
    return Fix(
        f"give the copies {option} and drop the recursive {command.program}",
        tuple(edits),
        safe=exact,
        reshapes=True,
        changes=changes,
    )


def recursive_change(command: Command) -> tuple[str, list[str]] | None:
    """(owner or mode, paths) of ``chown -R owner paths`` / ``chmod -R mode paths``."""
    if command.program not in ("chown", "chmod"):
        return None
    words = [w.text for w in command.arguments]
    if not any(RECURSIVE.match(w) for w in words):
        return None
    operands = [w for w in words if not w.startswith("-")]
    if len(operands) < 2:
        return None
    return operands[0], operands[1:]


def owner_exists(dockerfile: Dockerfile, owner: str, index: int) -> bool:
    """True when every name in ``user[:group]`` is numeric, root, or created before ``index``
    (a user created with ``useradd``/``adduser`` brings its own group of the same name)."""
    created = accounts_created(dockerfile, before=index)
    return all(
        not name or name.isdigit() or name == "root" or name in created
        for name in owner.replace(".", ":").split(":")
    )


def workdirs_before(dockerfile: Dockerfile, run: Instruction) -> list[str]:
    """The folders the final image's ``WORKDIR`` instructions before ``run`` create."""
    import posixpath

    found = []
    for workdir in dockerfile.in_final_image("WORKDIR"):
        if workdir.index < run.index and workdir.arguments:
            target = workdir.resolve(workdir.arguments[0].text).text
            found.append(
                posixpath.normpath(posixpath.join(workdir_at(dockerfile, workdir), target))
            )
    return found


def _absolute(run: Instruction, cwd: str, path: str) -> str:
    import posixpath

    return posixpath.normpath(posixpath.join(cwd, run.resolve(path).text))


RULE = Rule(
    id="D602",
    name="chown-copy",
    severity=Severity.WARNING,
    summary="RUN chown -R/chmod -R over copied files stores them twice; use COPY --chown",
    check=check,
    tags=("serving", "size"),
    fixable=True,
)
