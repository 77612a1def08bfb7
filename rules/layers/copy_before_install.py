"""## What it does
Flags a `COPY`/`ADD` (without `--from`) of the whole build context or of source code
(`COPY . .`, `COPY src/ ./src/`, `COPY *.py ./`) that comes before a dependency install
in the same stage: pip (`-r`, packages, `pip install .`), `uv pip`, `uv sync`, poetry,
pipenv, pdm, conda/mamba/micromamba, npm/yarn/pnpm/bun, bundler, `go mod download`,
composer. Copies of dependency manifests alone (`requirements*.txt`, `pyproject.toml`,
lock files, `package*.json`, `go.mod`, `Gemfile`...) pass, and so does a copy into the
folder the install reads packages from (`pip install --find-links /wheels` after `COPY
wheels /wheels`): it is the install's input. Installing the project itself
after the source copy (`pip install --no-deps .`, `pip install -e .`, a second
`uv sync` or `poetry install`) passes when the dependencies were installed before the
copy; without that earlier install it is flagged like any other install.

## Why it matters
Docker reuses a layer only while everything before it is unchanged. With the source
copied first, every edit to one `.py` file invalidates the install layer, and each build
downloads and compiles torch, numpy and friends again: minutes per build and gigabytes
of CI traffic. `COPY . .` then `pip install .` has the same problem, since pip resolves
and installs all dependencies again.

## Example
```dockerfile
COPY . /app
RUN pip install -r /app/requirements.txt
```

## Instead
```dockerfile
COPY requirements.txt /app/
RUN pip install -r /app/requirements.txt
COPY . /app
RUN pip install --no-deps /app
```

## Fix safety
Unsafe, for the common case: a copy of the whole build context followed at once by a
`RUN` that only installs requirements files (`pip install -r requirements.txt`, and
constraints) or packages by name (`pip install gunicorn`). The fix copies those files
(and the ones they include with `-r`/`-c`, as dlint follows them in the context) to the
same place first, moves the install up after
them, and leaves the broad copy after the install. The install then no longer sees the
rest of the source, which a requirements file that names a local path (`-e .`,
`./pkg`) needs: check that the image still builds. Other layouts (`pip install .`,
poetry, npm) are left to you: which files the install needs depends on the backend.
"""

import os
import posixpath
from collections.abc import Iterator
from fnmatch import fnmatch
from functools import lru_cache

from dlint import regex
from dlint.commands import INSTALL, UPGRADE, package_command, pip_install
from dlint.edits import insert_before, instruction_lines, remove_lines
from dlint.finding import Fix, Problem, Severity
from dlint.model import Build, Command, Copy, CopySource, Instruction, Stage, Word
from dlint.rule import Rule

MANIFESTS = (
    *("requirements*.txt", "requirements*.in", "constraints*.txt", "requirements"),
    *("pyproject.toml", "poetry.lock", "uv.lock", "pdm.lock", "setup.py", "setup.cfg"),
    *("Pipfile", "Pipfile.lock", "environment*.yml", "environment*.yaml", "conda*.yml"),
    *("package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", ".npmrc"),
    *("pnpm-lock.yaml", ".yarnrc.yml", "bun.lockb", "go.mod", "go.sum", "Gemfile*"),
    *("composer.json", "composer.lock", "README*", "MANIFEST.in", ".python-version"),
)
MANIFEST_NAME = regex.globs(MANIFESTS)
SOURCE_DIRS = frozenset(["src", "app", "lib", "pkg", "cmd", "internal", "api", "server"])
SOURCE_FILE = regex.compile(r"\.(py|pyx|ipynb|js|mjs|cjs|ts|tsx|jsx|rb|go|java|kt|rs|php)$")
# Installers dlint.commands does not model as package managers: (program words) -> verbs.
OTHER_INSTALLERS = {
    ("pip-sync",): (),
    ("pipenv",): ("install", "sync"),
    ("yarn",): ("",),
    ("bun",): ("install", "i"),
    ("bundle",): ("install",),
    ("go", "mod"): ("download",),
    ("composer",): ("install",),
}
INSTALLER_PROGRAMS = frozenset(words[0] for words in OTHER_INSTALLERS)
PROJECT_MANAGERS = frozenset({"uv-project", "poetry", "pdm"})
DEPENDENCY_FAMILIES = frozenset({"conda", "npm", "yarn", "pnpm"})


@lru_cache(maxsize=4096)
def is_manifest(path: str) -> bool:
    """True for a dependency manifest (or a glob that only names manifests)."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if MANIFEST_NAME.fullmatch(name):
        return True
    return not name.startswith("*") and any(fnmatch(m, name) for m in MANIFESTS)


def source_kind(build: Build, source: CopySource) -> str | None:
    """'the whole build context', 'source code' or None for what a COPY source holds."""
    if source.whole_context:
        return "the whole build context"
    path = source.path or ""
    if is_manifest(path):
        return None
    name = path.rsplit("/", 1)[-1]
    if source.text.endswith("/") or name in SOURCE_DIRS or SOURCE_FILE.search(name):
        return "source code"
    entries = build.context.entries if build.context and "." not in name else ()
    return "source code" if any(e.is_dir and e.path == path for e in entries) else None


def install_kind(command: Command) -> str | None:
    """'project' for an install of the project itself, 'dependencies', or None."""
    pip = pip_install(command)
    if pip is not None:
        targets = [*pip.packages, *pip.editables]
        own = all(map(is_project_path, targets)) and not pip.requirement_files
        return "project" if targets and own else "dependencies"
    pkg = package_command(command)
    if pkg is not None:
        if pkg.manager in PROJECT_MANAGERS:
            return "project" if pkg.action == "sync" else "dependencies"
        if pkg.manager == "uv" and pkg.action == "sync":
            return "dependencies"
        if pkg.family in DEPENDENCY_FAMILIES and pkg.action in (INSTALL, UPGRADE, "sync", "env"):
            return "dependencies"
        return None
    if command.program not in INSTALLER_PROGRAMS:
        return None
    argv = [command.program, *command.argv[1:]]
    for program, subcommands in OTHER_INSTALLERS.items():
        if tuple(argv[: len(program)]) != program:
            continue
        rest = [w for w in argv[len(program) :] if not w.startswith("-")]
        if (rest or [""])[0] in subcommands:
            return "dependencies"
    return None


def is_project_path(word: Word) -> bool:
    """True for a local project folder such as ``.``, ``./pkg[extra]`` or ``/app``."""
    path = word.text.split("[", 1)[0]
    return path.startswith((".", "/")) and not path.endswith((".whl", ".tar.gz", ".zip"))


def problems_in(build: Build, stage: Stage) -> Iterator[Problem]:
    """Source copies of one stage that come before an install that depends on them."""
    pending: list[tuple[Instruction, Word, str, bool]] = []
    installed = False
    for instruction in stage.of("COPY", "ADD", "RUN"):
        copy = build.dockerfile.copy_of(instruction)
        for source in copy.context_sources if copy is not None else ():
            what = source_kind(build, source)
            if what:
                pending.append((instruction, source.word, what, installed))
                break
        for command in instruction.commands:
            kind = install_kind(command)
            if kind is None:
                continue
            inputs = package_folders(build, stage, instruction, command)
            pending = [p for p in pending if not copies_into(build, p[0], inputs)]
            for entry in [p for p in pending if kind == "dependencies" or not p[3]]:
                copying, word, what, _ = entry
                pending.remove(entry)
                yield Problem(
                    f"{copying.keyword} of {what} comes before the dependency install "
                    f"'{' '.join(command.argv)}' on line {command.span.start.line}; copy only "
                    "the dependency manifests first and the rest after the install",
                    word.span,
                    reorder_fix(build, stage, copying, instruction),
                )
            installed = True


def package_folders(build: Build, stage: Stage, run: Instruction, command: Command) -> list[str]:
    """The folders a pip install takes packages from (``--find-links DIR``), as image paths."""
    found = package_command(command)
    if found is None or found.family != "pip":
        return []
    workdir = workdir_before(build, stage, run)
    texts = [w.text.removeprefix("file://") for w in found.values("-f", "--find-links")]
    return [posixpath.normpath(posixpath.join(workdir, t)) for t in texts if t and "://" not in t]


def copies_into(build: Build, copying: Instruction, folders: list[str]) -> bool:
    """True when ``copying`` puts its sources inside one of ``folders`` (image paths)."""
    copy = build.dockerfile.copy_of(copying)
    if copy is None or not folders:
        return False
    return any(is_within(copy.destination, folder) for folder in folders)


def is_within(path: str, folder: str) -> bool:
    """True for ``folder`` itself or a path below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def reorder_fix(build: Build, stage: Stage, copying: Instruction, run: Instruction) -> Fix | None:
    """Copy the requirements files and install them before the whole-context copy."""
    dockerfile = build.dockerfile
    copy = dockerfile.copy_of(copying)
    # A stage's instructions are numbered one after another: the next one is found by its
    # number (a scan of the stage per finding is quadratic in a long stage).
    position = copying.index - stage.from_instruction.index + 1
    following = stage.instructions[position : position + 1]
    if copy is None or not following or following[0] is not run or copy.from_stage:
        return None
    if not any(s.whole_context for s in copy.sources) or run.exec_form is not None:
        return None
    installs = [pip_install(c) for c in run.commands]
    if not installs or any(
        p is None or p.editables or any(map(names_a_file, p.packages)) for p in installs
    ):
        return None
    workdir = workdir_before(build, stage, run)
    root = copy.destination.rstrip("/") or "/"
    files: list[str] = []
    for pip in installs:
        assert pip is not None  # checked above
        for word in (*pip.requirement_files, *pip.constraint_files):
            path = posixpath.normpath(posixpath.join(workdir, run.resolve(word.text).text))
            inside = posixpath.relpath(path, root)
            if not word.known or inside.startswith(".."):
                return None
            files.append(inside)
    # A requirements file's path is how findings show it (relative to the working
    # directory, or absolute): the COPY needs it relative to the context.
    for required in (r for r in build.requirements if r.installed_by is run):
        relative = context_path(build, required.path)
        if relative is None:
            return None
        files.append(relative)
    lines = [manifest_copy(copy, workdir, folder, names) for folder, names in by_folder(files)]
    edits = (
        insert_before(dockerfile, copying, lines, instruction_lines(dockerfile, run)),
        remove_lines(dockerfile, run.span.start.line, run.span.end.line),
    )
    return Fix("install the requirements before copying the rest", edits, False, reshapes=True)


def context_path(build: Build, shown: str) -> str | None:
    """``shown`` (a path as findings name it) relative to the build context, or None."""
    if build.context is None:
        return None
    inside = os.path.relpath(os.path.realpath(shown), os.path.realpath(build.context.root))
    return None if inside.startswith("..") else inside.replace(os.sep, "/")


def names_a_file(word: Word) -> bool:
    """True for a package argument that is a path or file (``.``, ``./pkg``, ``x.whl``)."""
    return (
        not word.known
        or is_project_path(word)
        or "/" in word.text
        or word.text.endswith((".whl", ".tar.gz", ".zip"))
    )


def by_folder(files: list[str]) -> list[tuple[str, list[str]]]:
    """Context paths grouped by their folder, each once, in the order first named."""
    groups: dict[str, list[str]] = {}
    for path in files:
        path = posixpath.normpath(path)
        names = groups.setdefault(posixpath.dirname(path), [])
        if path not in names:
            names.append(path)
    return list(groups.items())


def manifest_copy(copy: Copy, workdir: str, folder: str, names: list[str]) -> str:
    """``COPY names dest/``: the files where the whole-context copy would have put them."""
    target = posixpath.normpath(posixpath.join(copy.destination, folder))
    dest = "./" if target == workdir else f"{target.rstrip('/')}/"
    if workdir != "/" and target.startswith(f"{workdir}/"):
        dest = f"{posixpath.relpath(target, workdir)}/"
    chown = f"--chown={copy.chown} " if copy.chown else ""
    return f"COPY {chown}{' '.join(names)} {dest}"


def workdir_before(build: Build, stage: Stage, instruction: Instruction) -> str:
    """The WORKDIR in effect at ``instruction`` (a base image's own is unknown: ``/``)."""
    workdir = "/"
    lineage = build.dockerfile.lineage(stage)
    steps = [i for s in reversed(lineage[1:]) for i in s.of("WORKDIR")]
    steps += [i for i in stage.of("WORKDIR") if i.index < instruction.index]
    for step in steps:
        if step.keyword == "WORKDIR" and step.arguments:
            path = step.resolve(step.arguments[0].text).text
            workdir = posixpath.normpath(posixpath.join(workdir, path))
    return workdir


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for every source copy that busts a later install's cache."""
    for stage in build.dockerfile.stages:
        yield from problems_in(build, stage)


RULE = Rule(
    id="D300",
    name="copy-before-install",
    severity=Severity.WARNING,
    summary="source is copied before dependencies are installed, so every edit reinstalls",
    check=check,
    tags=("cache", "build-time"),
    fixable=True,
)
