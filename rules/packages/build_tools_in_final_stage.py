"""## What it does
Flags compilers, build tools and development headers installed in the final stage or a
stage it is built `FROM`: `build-essential`, `gcc`, `g++`, `make`, `cmake`, `clang`,
`gfortran` (versioned ones such as `gcc-12` too) and every `*-dev` package with
`apt-get`/`apt`; `build-base`, `gcc`, `linux-headers` and `*-dev` with `apk add`;
`gcc`, `gcc-c++`, `make` and `*-devel` with `dnf`/`yum`/`microdnf`. Builder stages whose
output is copied out selectively are not checked. A package removed again in the same
`RUN` passes (`apt-get purge -y --auto-remove gcc`, `apk del` of the package or of the
`--virtual` group it was added with, `dnf remove`).

## Why it matters
A service only needs the built wheels at run time. Compilers and headers add hundreds of
megabytes, slow every pull and scale-up, and give an attacker who gets a shell a ready
toolchain; they are also most of the CVEs a scanner reports on an ML image.

## Example
```dockerfile
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
RUN pip install --no-cache-dir -r requirements.txt
```

## Instead
```dockerfile
FROM python:3.11-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
```

## Fix safety
Unsafe, and only where the file decides it: apt build tools installed in the final stage
itself, needed (as far as the file shows) only by the `pip install` RUNs that follow
together (nothing but `WORKDIR`, `COPY`, `ADD`, `ENV`, `ARG`, `LABEL`, `EXPOSE` between,
no later `RUN` calling a compiler or `make`, no later `pip install`). The tools move
into that `RUN`, installed before `pip install` as the original installed them and
purged after it with `apt-get purge -y --auto-remove` and `apt-get clean`; consecutive
pip RUNs are joined into that one. Everything else the first `RUN` installs stays where
it was (a runtime library such as `libgomp1`). Only compilers and build tools move: with
a `-dev` package or `gfortran` among them there is no fix, because the purge's
`--auto-remove` would also take the runtime library the built package links (`libpq5`,
`libgfortran5`), which only a person can name. A library the compiler brought along
(`libgomp1` for OpenMP) goes too unless the file installs it by name. It is unsafe
because the service may still need the tools at run time (`torch.compile`, numba, a `pip
install` at start), which no file shows. No fix moves a build into a builder stage: the
packages would move to another path (a virtualenv), and the runtime library that
replaces a `-dev` package (`libpq5` for `libpq-dev`) has to be chosen by hand.
"""

from collections.abc import Iterator
from itertools import pairwise

from dlint import regex
from dlint.commands import (
    CLEAN,
    INSTALL,
    UPDATE,
    Installed,
    kept_packages,
    package_command,
    package_commands,
    pip_installs,
)
from dlint.edits import PLAIN, line_text, remove_lines
from dlint.finding import Edit, Fix, Position, Problem, Severity, Span
from dlint.model import Build, Dockerfile, Instruction
from dlint.rule import Rule

COMPILER = regex.compile(r"^(gcc|g\+\+|clang|gfortran|cpp)(-\d+(\.\d+)*)?$")
BUILD_TOOLS = {
    "apt-get": (frozenset({"build-essential", "make", "cmake"}), "-dev"),
    "apk": (frozenset({"build-base", "make", "cmake", "linux-headers"}), "-dev"),
    "dnf": (frozenset({"gcc-c++", "make", "cmake"}), "-devel"),
    "zypper": (frozenset({"gcc-c++", "make", "cmake"}), "-devel"),
}


def is_build_tool(manager: str, name: str) -> bool:
    """True when ``name`` is a compiler, a build tool or a headers package for ``manager``."""
    names, suffix = BUILD_TOOLS[manager]
    return name in names or name.endswith(suffix) or bool(COMPILER.match(name))


# Instructions that cannot use what an apt install put in the image.
NEUTRAL = frozenset({"WORKDIR", "COPY", "ADD", "ENV", "ARG", "LABEL", "EXPOSE"})
TOOL_PROGRAMS = frozenset({"cc", "c++", "make", "cmake", "ninja", "ld", "as"})
# What installing and purging build tools with apt changes besides their own files.
APT_RECORDS = (
    "removed:/**",
    "files:/var/lib/dpkg/**",
    "files:/var/lib/apt/**",
    "files:/var/cache/apt/**",
    "files:/var/cache/debconf/**",
    "files:/var/cache/ldconfig/**",
    "files:/var/log/**",
    "files:/etc/ld.so.cache",
    "files:/etc/alternatives/**",
)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every build-tool package installed into the final image."""
    for run in build.dockerfile.in_final_image("RUN"):
        tools = [p for p in kept_packages(run) if is_build_tool(p.install.manager, p.name)]
        fix = purge_after_pip(build.dockerfile, run, tools) if tools else None
        for package in tools:
            yield Problem(
                f"build tool '{package.name}' ends up in the final image; install it in a "
                f"builder stage or remove it in the same RUN",
                package.word.span,
                fix if package is tools[0] else None,
            )


def purge_after_pip(dockerfile: Dockerfile, run: Instruction, tools: list[Installed]) -> Fix | None:
    """Move apt build tools into the pip RUNs that follow and purge them there, or None
    when the file does not show that only those RUNs use them (see *Fix safety*)."""
    final = dockerfile.final_stage
    install = tools[0].install
    if final is None or run.stage_index != final.index or not _plain_run(run):
        return None
    if install.manager != "apt-get" or install.command.within or install.command.wrappers:
        return None
    if any(t.name.endswith("-dev") or t.name.startswith("gfortran") for t in tools):
        return None  # what was built links a library the purge would take (libpq5, libgfortran5)
    if any(t.install is not install for t in tools) or not all(
        PLAIN.fullmatch(w.raw) for w in install.command.words
    ):
        return None
    later = list(final.instructions)[list(final.instructions).index(run) + 1 :]
    first = next((n for n, i in enumerate(later) if i.keyword not in NEUTRAL), None)
    if first is None:
        return None
    pips: list[Instruction] = []
    for instruction in later[first:]:
        if instruction.keyword != "RUN" or not pip_installs(instruction):
            break
        pips.append(instruction)
    rest = later[first + len(pips) :]
    if not pips or not all(_plain_run(p) and _only_and(p) for p in pips):
        return None
    if any(p.flags for p in pips[1:]) or any(_uses_tools(i) for i in rest):
        return None
    if any(b.span.start.line != a.span.end.line + 1 for a, b in pairwise(pips)):
        return None
    edits = _take_out(dockerfile, run, tools)
    if edits is None:
        return None
    names = " ".join(dict.fromkeys(t.name for t in tools))
    keep = {t.word.span for t in tools}
    words = [w.raw for w in install.command.words if w not in install.packages or w.span in keep]
    at = install.command.words[0].span.start
    updated = any(
        p.manager == "apt-get" and p.action == UPDATE and p.command.words[0].span.start < at
        for p in package_commands(run)
    )
    prefix = ("apt-get update && " if updated else "") + " ".join(words) + " && "
    # apt-get clean: the tools' .deb files stay in /var/cache/apt/archives on a base
    # image without the docker-clean apt setting (the project's python:3.11-slim stand-in).
    suffix = f" && apt-get purge -y --auto-remove {names} && apt-get clean"
    if updated:
        suffix += " && rm -rf /var/lib/apt/lists/*"
    start = pips[0].arguments[0].span.start
    edits.append(Edit(Span(start, start), prefix))
    for before, after in pairwise(pips):
        joined = Span(_end(before), after.arguments[0].span.start)
        edits.append(Edit(joined, " \\\n    && "))
    edits.append(Edit(Span(_end(pips[-1]), _end(pips[-1])), suffix))
    return Fix(
        f"install {names} only for the pip install and purge it after",
        tuple(edits),
        safe=False,
        reshapes=True,
        changes=APT_RECORDS,
    )


def _plain_run(run: Instruction) -> bool:
    return run.exec_form is None and not run.heredocs and bool(run.arguments)


def _only_and(run: Instruction) -> bool:
    """True when the RUN is a chain of simple commands joined by ``&&`` only."""
    return all(t.text == "&&" for t in run.tokens if t.operator) and not any(
        c.within for c in run.commands
    )


def _uses_tools(instruction: Instruction) -> bool:
    if instruction.keyword != "RUN":
        return instruction.keyword == "ONBUILD"
    if pip_installs(instruction):
        return True
    for command in instruction.commands:
        program = command.words[0].text.rsplit("/", 1)[-1] if command.words else ""
        if program in TOOL_PROGRAMS or is_build_tool("apt-get", program):
            return True
    return False


def _end(run: Instruction) -> Position:
    return run.arguments[-1].span.end


def _take_out(
    dockerfile: Dockerfile, run: Instruction, tools: list[Installed]
) -> list[Edit] | None:
    """Edits removing the tool words from ``run``; the whole RUN when it only installs them."""
    install = tools[0].install
    if len(tools) < len(install.packages):
        return [_remove_word(dockerfile, t.word.span) for t in tools]
    # Nothing else installed: the RUN may go only when it does nothing but apt's work.
    if any(p.command is not install.command for p in package_commands(run) if p.action == INSTALL):
        return None
    for command in run.commands:
        argv = command.argv
        if argv[:1] == ["rm"] and all(a.startswith(("-", "/var/lib/apt/lists")) for a in argv[1:]):
            continue
        found = package_command(command)
        if (
            found is None
            or found.manager != "apt-get"
            or found.action not in (INSTALL, UPDATE, CLEAN)
        ):
            return None
    return [remove_lines(dockerfile, run.span.start.line, run.span.end.line)]


def _remove_word(dockerfile: Dockerfile, span: Span) -> Edit:
    """Remove a word and the spaces on one side of it, keeping a line continuation."""
    line = line_text(dockerfile, span.start.line)
    start, end = span.start.column - 1, span.end.column - 1
    after = end
    while after < len(line) and line[after] == " ":
        after += 1
    if after < len(line) and line[after] != "\\":
        return Edit(Span(span.start, Position(span.end.line, after + 1)), "")
    while start > 0 and line[start - 1] == " ":
        start -= 1
    return Edit(Span(Position(span.start.line, start + 1), span.end), "")


RULE = Rule(
    id="D206",
    name="build-tools-in-final-stage",
    severity=Severity.WARNING,
    summary="compilers or -dev headers are installed in the final image",
    check=check,
    tags=("size", "security"),
    fixable=True,
)
