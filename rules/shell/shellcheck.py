"""## What it does
Runs [ShellCheck](https://www.shellcheck.net) on the shell script of every shell-form
`RUN` and on every heredoc script (`RUN <<EOF`, `RUN bash <<EOF`), as hadolint does, and
reports each of its findings at the exact Dockerfile line and column with ShellCheck's
code as the finding's code: `shellcheck (D800:SC2086) Double quote to prevent globbing and
word splitting.` Each script is checked in
the dialect the stage's `SHELL` sets (`sh` by default; `bash`, `dash`, `ksh`, `ash`), or
the one its `#!` line or `RUN bash <<EOF` names; `RUN`s under PowerShell, cmd or zsh,
exec-form `RUN`s and heredocs fed to another program (`RUN python3 <<EOF`) are skipped.
Variables that `ARG` and `ENV` define count as set to a plain value, as in hadolint: an
unquoted package list from an `ARG` (`apt-get install -y $BUILD_DEPS`) is split on
purpose and is not reported. `SC1090`/`SC1091` (a sourced file dlint cannot see) are left out.

It needs the `shellcheck` binary: `pip install 'dlint[shellcheck]'` installs it. Without
it the rule reports nothing. A ShellCheck code works wherever a rule name does, for that
code only: `--select SC2086` runs this rule for SC2086 alone; `--ignore SC2086` (or
`ignore:`, `per-path-ignores:`, `severity: {SC2086: error}` in the configuration), `#
dlint ignore=SC2086` or `# hadolint ignore=SC2086` before an instruction (and `# hadolint
global ignore=SC2086`) silence that code; `--add-ignore` and baselines record the code.
The option `exclude` (a list of codes, `rules: {shellcheck: {exclude: [SC2086]}}`) keeps
ShellCheck itself from reporting them; its default leaves out SC1090 and SC1091.

## Why it matters
A `RUN` is a shell script that runs once, at build time, where no one watches it: an
unquoted variable that splits, a `cd` that fails silently, `[[` under `/bin/sh`. ShellCheck
finds these bugs before the build does, or before the image ships without noticing.

## Example
```dockerfile
RUN cd /app && pip install --no-cache-dir $EXTRA_PACKAGES
```

## Instead
```dockerfile
WORKDIR /app
RUN pip install --no-cache-dir "$EXTRA_PACKAGES"
```

## Fix safety
No automatic fix: ShellCheck's suggestions need a reader.

## Differs from hadolint
- SC2034 (only dlint): hadolint keeps one ShellCheck finding per Dockerfile line and drops
  the others (`for p in a; do ...` gives SC2043 and SC2034; hadolint shows SC2043); dlint
  reports each at its column.
- SC2046 (only dlint): the same: of SC2005 and SC2046 on `echo $(pip install polars)`
  hadolint keeps one.
- SC2086 (only dlint): the same: of SC2086 and SC2035 on `ls $HOME && grep -r TODO *`
  hadolint keeps one.
- SC1071 (only hadolint): a `RUN` under zsh is skipped (ShellCheck does not support zsh);
  hadolint runs ShellCheck on it and reports SC1071, ShellCheck's 'unsupported shell'.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dlint import regex, shellcheck
from dlint.finding import Problem, Severity, Span
from dlint.model import Build, Heredoc, Instruction
from dlint.rule import Rule

from ._shell import program, shell_of

READER = regex.compile(r"^\s*(?:\S*/)?(sh|bash|dash|ash|ksh|mksh|zsh)?(\s+-\S+)*\s*$")
SHEBANG = regex.compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(\S+)")


class _Place:
    """Maps offsets of one script back to the Dockerfile."""

    def __init__(self, run: Instruction, text: str, doc: Heredoc | None) -> None:
        self.run, self.text, self.doc = run, text, doc

    def span(self, comment: shellcheck.Comment) -> Span:
        start = shellcheck.offset(self.text, comment.line, comment.column)
        end = max(shellcheck.offset(self.text, comment.end_line, comment.end_column), start + 1)
        if self.doc is not None:
            return Span(self.doc.place(start), self.doc.place(end))
        return self.run.locate(start, end)


def scripts_of(build: Build, run: Instruction) -> Iterator[tuple[shellcheck.Script, _Place]]:
    """The shell scripts a ``RUN`` runs, in their dialect, with how to place findings."""
    if run.exec_form is not None:
        return
    default = shellcheck.DIALECTS.get(program(shell_of(build, run)))
    defined = tuple(sorted(name for name in run.variables))
    text = run.script_text()
    reader = READER.match(text) if run.heredocs else None
    if reader is None:
        if default is not None and text.strip():
            yield shellcheck.Script(text, default, defined), _Place(run, text, None)
        return
    dialect = shellcheck.DIALECTS.get(reader[1]) if reader[1] else default
    for doc in run.heredocs:
        shebang = SHEBANG.match(doc.body)
        if shebang is not None:
            if shebang[1] not in shellcheck.DIALECTS:
                continue
            script = shellcheck.Script(doc.body, shebang[1], defined, has_shebang=True)
        elif dialect is None:
            continue
        else:
            script = shellcheck.Script(doc.body, dialect, defined)
        yield script, _Place(run, doc.body, doc)


DEFAULT_EXCLUDE = ("SC1090", "SC1091")


def scripts(build: Build) -> list[tuple[shellcheck.Script, _Place]]:
    """Every script the build's ``RUN``s run, with how to place its findings."""
    return [pair for run in build.dockerfile.of("RUN") for pair in scripts_of(build, run)]


def batch(
    builds: Sequence[tuple[Build, Mapping[str, Any]]],
) -> dict[tuple[str, ...], shellcheck.Known | None]:
    """ShellCheck over the scripts of every build at once, one run per ``exclude`` setting
    (a repeated script, across files too, is checked once)."""
    by_exclude: dict[tuple[str, ...], list[shellcheck.Script]] = {}
    for build, options in builds:
        exclude = tuple(options.get("exclude", DEFAULT_EXCLUDE))
        by_exclude.setdefault(exclude, []).extend(script for script, _ in scripts(build))
    return {exclude: shellcheck.check_all(found, exclude) for exclude, found in by_exclude.items()}


def check(
    build: Build,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    batched: Mapping[tuple[str, ...], shellcheck.Known | None] | None = None,
) -> Iterator[Problem]:
    """Yield a problem per ShellCheck finding, at its place in the Dockerfile, with its code."""
    found = scripts(build)
    if not found:
        return
    known = (batched or {}).get(tuple(exclude))
    comments = shellcheck.run([script for script, _ in found], tuple(exclude), known)
    if comments is None:
        return
    for (_, place), script_comments in zip(found, comments, strict=True):
        for comment in script_comments:
            yield Problem(comment.message, place.span(comment), code=comment.name)


RULE = Rule(
    id="D800",
    name="shellcheck",
    severity=Severity.WARNING,
    summary="ShellCheck finds a problem in a RUN script (needs the shellcheck binary)",
    check=check,
    batch=batch,
    options={"exclude": list(DEFAULT_EXCLUDE)},
    tags=("shell", "reliability"),
    waits=True,
    codes=r"SC\d{4}",
)
