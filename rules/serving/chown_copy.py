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
No automatic fix yet. The message names the owner (or mode) and the line of each copy,
which is what a fix needs: add `--chown=<owner>` (`--chmod=<mode>`) to those copies and
delete the command. `COPY --chmod` needs BuildKit; `--chown` works everywhere.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, Command, Instruction
from dlint.rule import Rule

from ._serving import RECURSIVE, covers, workdir_at


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
            lines = [
                c.instruction.span.start.line
                for c in copies
                if c is not None
                and c.instruction.index < run.index
                and any(covers(p, c.destination) or covers(c.destination, p) for p in resolved)
            ]
            if not lines:
                continue
            option = "--chown" if command.program == "chown" else "--chmod"
            where = ", ".join(str(n) for n in lines)
            yield Problem(
                f"{command.program} -R rewrites files copied in at line {where}, so the "
                f"image stores them twice; give the copy {option}={setting} instead",
                command.span,
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
)
