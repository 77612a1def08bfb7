"""Recognise what the commands of a ``RUN`` do: package installs, removals and cleanups.

One set of recognisers shared by every rule and by the loader (which follows
``pip install -r FILE`` into the context), so that rules agree on what counts as an
install and keep only their judgement. Each package manager is described as data: the
programs that run it, its verbs and what each verb does, and the options that take a
value, so that an option's value (``-o Acquire::Retries=3``, ``--index-strategy
unsafe-best-match``) is never read as a verb or a package. A word whose value dlint
cannot know (``$PACKAGES`` with no ``ARG`` default) is kept apart in ``unknown``.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dlint import regex
from dlint.model import Command, Dockerfile, Instruction, Word, cached, kept, share_keys
from dlint.records import dataclass, field

PYTHON = regex.compile(r"^python(\d(\.\d+)?)?$")
PIP = regex.compile(r"^pip(\d(\.\d+)?)?$")

INSTALL, REMOVE, UPDATE, UPGRADE, CLEAN, MARK = (
    "install",
    "remove",
    "update",
    "upgrade",
    "clean",
    "mark",
)


def _options(text: str) -> frozenset[str]:
    """A set of option names written as one space-separated string."""
    return frozenset(text.split())


@dataclass(frozen=True)
class Manager:
    """How one package manager is spelled on a command line."""

    name: str
    programs: tuple[str, ...]
    verbs: Mapping[str, str]
    value_options: frozenset[str]
    # Words between the program and the verb (``uv pip install``, ``python -m pip``).
    prefix: tuple[str, ...] = ()
    # Options that take a value only when glued (``-j4``) are not listed: they are one word.


PIP_VALUE_OPTIONS = _options(
    """-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url
    -f --find-links -t --target --prefix --root --platform --python-version --implementation
    --abi --src --upgrade-strategy --cache-dir --trusted-host --global-option -C
    --config-settings --config-setting --only-binary --no-binary --report --log --timeout
    --retries --proxy --progress-bar --python --cert --client-cert --exists-action
    --build-option --use-feature --group -p --root-user-action --keyring-provider
    --index-strategy --torch-backend --resolution --prerelease --python-platform
    --link-mode --exclude-newer --override --build-constraint -b --index --default-index
    --reinstall-package --no-build-isolation-package --upgrade-package -P --refresh-package
    --extra --overrides --constraints --cache --log-file --directory --project
    --extra-index --no-binary-package --only-binary-package"""
)
APT_VALUE_OPTIONS = _options("-o -t -c --option --target-release --default-release --config-file")
DNF_VALUE_OPTIONS = _options(
    """-x --exclude --repo --repoid --enablerepo --disablerepo -c --config --releasever
    --installroot --setopt --forcearch --downloaddir --destdir --color --rpmverbosity -d
    --debuglevel -e --errorlevel --enableplugin --disableplugin"""
)

MANAGERS: tuple[Manager, ...] = (
    Manager(
        "apt-get",
        ("apt-get", "apt", "aptitude"),
        {
            "install": INSTALL,
            "reinstall": INSTALL,
            "remove": REMOVE,
            "purge": REMOVE,
            "autoremove": REMOVE,
            "autopurge": REMOVE,
            "update": UPDATE,
            "upgrade": UPGRADE,
            "dist-upgrade": UPGRADE,
            "full-upgrade": UPGRADE,
            "clean": CLEAN,
            "autoclean": CLEAN,
            "distclean": CLEAN,
            "dist-clean": CLEAN,
        },
        APT_VALUE_OPTIONS,
    ),
    Manager(
        "apt-mark",
        ("apt-mark",),
        {"auto": MARK, "manual": MARK, "hold": MARK, "unhold": MARK, "minimize-manual": MARK},
        APT_VALUE_OPTIONS,
    ),
    Manager(
        "apk",
        ("apk",),
        {"add": INSTALL, "del": REMOVE, "update": UPDATE, "upgrade": UPGRADE, "cache": CLEAN},
        _options("""-t --virtual -X --repository -p --root --arch --cache-dir --keys-dir
            --repositories-file"""),
    ),
    Manager(
        "dnf",
        ("dnf", "yum", "microdnf", "tdnf", "dnf5"),
        {
            "install": INSTALL,
            "reinstall": INSTALL,
            "groupinstall": INSTALL,
            "localinstall": INSTALL,
            "remove": REMOVE,
            "erase": REMOVE,
            "autoremove": REMOVE,
            "groupremove": REMOVE,
            "update": UPGRADE,
            "upgrade": UPGRADE,
            "makecache": UPDATE,
            "clean": CLEAN,
        },
        DNF_VALUE_OPTIONS,
    ),
    Manager(
        "dnf-module",
        ("dnf", "yum", "microdnf", "dnf5"),
        {"install": INSTALL, "enable": "enable", "reset": "reset", "remove": REMOVE},
        DNF_VALUE_OPTIONS,
        prefix=("module",),
    ),
    Manager(
        "dnf-group",
        ("dnf", "yum", "microdnf", "dnf5"),
        {"install": INSTALL, "remove": REMOVE},
        DNF_VALUE_OPTIONS,
        prefix=("group",),
    ),
    Manager(
        "zypper",
        ("zypper",),
        {
            "install": INSTALL,
            "in": INSTALL,
            "remove": REMOVE,
            "rm": REMOVE,
            "refresh": UPDATE,
            "ref": UPDATE,
            "update": UPGRADE,
            "up": UPGRADE,
            "dist-upgrade": UPGRADE,
            "dup": UPGRADE,
            "clean": CLEAN,
            "cc": CLEAN,
        },
        _options("-r --repo --from -t --type --root -R -D --reposd-dir -C --cache-dir"),
    ),
    Manager(
        "pip",
        ("pip",),
        {"install": INSTALL, "uninstall": REMOVE, "download": "download", "wheel": "wheel"},
        PIP_VALUE_OPTIONS,
    ),
    Manager(
        "uv",
        ("uv",),
        {"install": INSTALL, "uninstall": REMOVE, "sync": "sync", "compile": "compile"},
        PIP_VALUE_OPTIONS,
        prefix=("pip",),
    ),
    Manager(
        "uv-project",
        ("uv",),
        {"add": INSTALL, "remove": REMOVE, "sync": "sync", "lock": "lock"},
        PIP_VALUE_OPTIONS,
    ),
    Manager(
        "uv-tool",
        ("uv",),
        {"install": INSTALL},
        PIP_VALUE_OPTIONS | frozenset(["--with", "--from"]),
        prefix=("tool",),
    ),
    Manager(
        "pipx",
        ("pipx",),
        {"install": INSTALL, "inject": INSTALL, "uninstall": REMOVE},
        _options("--python --pip-args --suffix --index-url --spec --fetch-python"),
    ),
    Manager(
        "poetry",
        ("poetry",),
        {"add": INSTALL, "install": "sync", "remove": REMOVE, "sync": "sync"},
        _options(
            "-G --group --source -E --extras --python --with --without --only -C --directory "
            "-P --project"
        ),
    ),
    Manager(
        "pdm",
        ("pdm",),
        {"add": INSTALL, "install": "sync", "sync": "sync", "remove": REMOVE},
        _options("-G --group -p --project -L --lockfile -v --venv"),
    ),
    Manager(
        "conda",
        ("conda", "mamba", "micromamba"),
        {
            "install": INSTALL,
            "create": INSTALL,
            "env": "env",
            "remove": REMOVE,
            "uninstall": REMOVE,
            "update": UPGRADE,
            "clean": CLEAN,
        },
        _options(
            "-c --channel -n --name -p --prefix -f --file --solver --repodata-fn -r --root-prefix"
        ),
    ),
    Manager(
        "npm",
        ("npm",),
        {
            "install": INSTALL,
            "i": INSTALL,
            "add": INSTALL,
            "ci": "sync",
            "uninstall": REMOVE,
            "remove": REMOVE,
            "rm": REMOVE,
        },
        _options("--prefix --registry --omit --include -w --workspace --cache --tag --userconfig"),
    ),
    Manager(
        "yarn",
        ("yarn",),
        {"add": INSTALL, "install": "sync", "remove": REMOVE},
        _options("--cwd --modules-folder --network-timeout --cache-folder --mutex --registry"),
    ),
    Manager(
        "pnpm",
        ("pnpm",),
        {"add": INSTALL, "install": "sync", "i": "sync", "remove": REMOVE},
        _options("--filter -C --dir --store-dir --reporter --registry"),
    ),
    Manager(
        "cargo",
        ("cargo",),
        {"install": INSTALL, "uninstall": REMOVE},
        _options("""--version --vers --git --branch --tag --rev --path --root --index --registry
            --features -F -j --jobs --target --profile --bin --example --target-dir"""),
    ),
    Manager(
        "go",
        ("go",),
        {"install": INSTALL, "get": INSTALL, "run": "run"},
        _options("-ldflags -tags -o -modfile -p -gcflags -asmflags -mod -C"),
    ),
    Manager(
        "gem",
        ("gem",),
        {"install": INSTALL, "i": INSTALL, "uninstall": REMOVE},
        _options("-v --version -i --install-dir -n --bindir --source -s --platform"),
    ),
)
# Manager names grouped by the packages they manage (what "the same package" means).
FAMILIES = {
    "apt-get": "apt",
    "apt-mark": "apt",
    "uv": "pip",
    "uv-project": "pip",
    "uv-tool": "pip",
    "pipx": "pip",
    "dnf-module": "dnf",
    "dnf-group": "dnf",
}


MANAGERS_BY_PROGRAM: dict[str, tuple[Manager, ...]] = {}
for _manager in MANAGERS:
    for _program in _manager.programs:
        MANAGERS_BY_PROGRAM[_program] = (*MANAGERS_BY_PROGRAM.get(_program, ()), _manager)


@dataclass(frozen=True)
class PackageCommand:
    """A package manager command: what it does (``action``) and to which packages.

    ``options`` maps each option given (``--no-cache-dir``, ``-o``) to its value word, or
    None for a flag; an option given twice keeps its last value, ``option_values`` all.
    """

    command: Command
    manager: str
    action: str
    verb: Word
    packages: tuple[Word, ...]
    unknown: tuple[Word, ...]
    option_values: tuple[tuple[str, Word | None], ...] = field(default=())

    @cached
    def family(self) -> str:
        """``apt`` for apt-get/apt/aptitude/apt-mark, ``pip`` for pip/uv/pipx, else the name.

        ``uv`` is ``uv pip``, ``uv-project`` is ``uv add``/``sync``/``lock``, ``uv-tool`` is
        ``uv tool install``.
        """
        return FAMILIES.get(self.manager, self.manager)

    @property
    def options(self) -> dict[str, Word | None]:
        """Option name -> value word (None for a flag)."""
        return dict(self.option_values)

    def has_option(self, *names: str) -> bool:
        """True when any of the options is given."""
        return any(name == given for given, _ in self.option_values for name in names)

    def values(self, *names: str) -> list[Word]:
        """Every value given to one of the options ``names``."""
        return [v for given, v in self.option_values if given in names and v is not None]


def package_command(command: Command) -> PackageCommand | None:
    """Recognise ``command`` as a package manager command, or None (kept on the command)."""
    found: PackageCommand | None = getattr(command, _COMMAND_KEY, _UNSET)
    if found is _UNSET:
        found = kept(command, _COMMAND_KEY, lambda: _package_command(command))
    return found


def _package_command(command: Command) -> PackageCommand | None:
    words = list(command.words)
    if not words:
        return None
    program = command.program
    start = 1
    if PYTHON.match(program) and len(words) >= 3 and words[1].text == "-m":
        program, start = words[2].text, 3
    elif PIP.match(program):
        program = "pip"
    for manager in MANAGERS_BY_PROGRAM.get(program, ()):
        found = _split(command, manager, start)
        if found is not None:
            return found
    return None


def _split(command: Command, manager: Manager, start: int) -> PackageCommand | None:
    """``program [options] [prefix] verb [options and operands]`` for one manager."""
    words = command.words
    options: list[tuple[str, Word | None]] = []
    i = start
    prefix = list(manager.prefix)
    verb: Word | None = None
    while i < len(words) and verb is None:
        word = words[i]
        if word.text.startswith("-") and word.known:
            i = _option(words, i, manager.value_options, options)
            continue
        if prefix:
            if word.text != prefix.pop(0):
                return None
        elif word.text in manager.verbs:
            verb = word
        else:
            return None
        i += 1
    if verb is None or prefix:
        return None
    operands: list[Word] = []
    unknown: list[Word] = []
    while i < len(words):
        word = words[i]
        if not word.known:
            unknown.append(word)
        elif word.text.startswith("-") and len(word.text) > 1:
            i = _option(words, i, manager.value_options, options)
            continue
        else:
            operands.append(word)
        i += 1
    action = manager.verbs[verb.text]
    return PackageCommand(
        command, manager.name, action, verb, tuple(operands), tuple(unknown), tuple(options)
    )


def _option(
    words: tuple[Word, ...],
    i: int,
    value_options: frozenset[str],
    out: list[tuple[str, Word | None]],
) -> int:
    """Record the option at ``words[i]`` (and its value); return the next index."""
    text = words[i].text
    if text.startswith("--") and "=" in text:
        name, _, inline = text.partition("=")
        out.append((name, Word(inline, words[i].raw, words[i].span)))
        return i + 1
    if text in value_options:
        out.append((text, words[i + 1] if i + 1 < len(words) else None))
        return i + 2
    short = text[:2]
    if not text.startswith("--") and len(text) > 2 and short in value_options:
        out.append((short, Word(text[2:], words[i].raw, words[i].span)))
        return i + 1
    out.append((text, None))
    return i + 1


def package_commands(instruction: Instruction) -> list[PackageCommand]:
    """Every package manager command of one ``RUN``, in order.

    Many rules ask this of every ``RUN``; the answer is kept on the (immutable)
    instruction, next to its cached commands, so each RUN is recognised once.
    """
    return list(_package_commands(instruction))


def _package_commands(instruction: Instruction) -> list[PackageCommand]:
    """The list :func:`package_commands` copies: for this module, which only reads it."""
    cached = getattr(instruction, _CACHE_KEY, None)  # asked 300,000 times for 100k lines
    if cached is None:
        cached = kept(
            instruction,
            _CACHE_KEY,
            lambda: [p for p in map(package_command, instruction.commands) if p is not None],
        )
    return cached


def runs_using(dockerfile: Dockerfile, family: str) -> list[Instruction]:
    """The ``RUN``s of ``dockerfile.of("RUN")``, in order, with a command of ``family``.

    Some twenty rules each judge one package manager's commands; a file uses one or two of
    them. The RUNs are sorted by family once (kept on the Dockerfile), so each of those
    rules reads only the RUNs it judges.
    """
    index = kept(dockerfile, _FAMILIES_KEY, lambda: _runs_by_family(dockerfile))
    return list(index.get(family, ()))


def _runs_by_family(dockerfile: Dockerfile) -> dict[str, list[Instruction]]:
    index: dict[str, list[Instruction]] = {}
    for run in dockerfile.of("RUN"):
        for family in dict.fromkeys(pkg.family for pkg in _package_commands(run)):
            index.setdefault(family, []).append(run)
    return index


def commands_running(dockerfile: Dockerfile, *programs: str) -> list[tuple[Instruction, Command]]:
    """The commands of ``dockerfile.of("RUN")`` whose program is one of ``programs``, in
    order, each with its ``RUN``.

    Many rules look for a program (``chmod``, ``useradd``, ``wget``…) that most RUNs never
    run: the commands are sorted by program once (kept on the Dockerfile), so each of those
    rules reads only the commands it judges.
    """
    index = kept(dockerfile, _PROGRAMS_KEY, lambda: _commands_by_program(dockerfile))
    found = [entry for program in dict.fromkeys(programs) for entry in index.get(program, ())]
    if len(programs) > 1:
        found.sort(key=lambda entry: entry[0])  # back in the order of the file
    return [(run, command) for _, run, command in found]


def _commands_by_program(
    dockerfile: Dockerfile,
) -> dict[str, list[tuple[int, Instruction, Command]]]:
    index: dict[str, list[tuple[int, Instruction, Command]]] = {}
    every = ((run, command) for run in dockerfile.of("RUN") for command in run.commands)
    for order, (run, command) in enumerate(every):
        index.setdefault(command.program, []).append((order, run, command))
    return index


_CACHE_KEY = "_dlint_package_commands"
_FAMILIES_KEY = "_dlint_runs_by_family"
_PROGRAMS_KEY = "_dlint_commands_by_program"
_UNSET: Any = object()
_COMMAND_KEY = "_dlint_package_command"
share_keys(Instruction, _CACHE_KEY)
share_keys(Dockerfile, _FAMILIES_KEY, _PROGRAMS_KEY)
share_keys(PackageCommand)


@dataclass(frozen=True)
class PipInstall:
    """A ``pip install`` (or ``uv pip install``) and what it installs."""

    command: Command
    packages: tuple[Word, ...]
    requirement_files: tuple[Word, ...]
    constraint_files: tuple[Word, ...]
    editables: tuple[Word, ...]
    options: frozenset[str]
    unknown: tuple[Word, ...] = ()
    verb: Word | None = None

    def has_option(self, *names: str) -> bool:
        """True when any of the ``--options`` is given."""
        return any(n in self.options for n in names)


def pip_install(command: Command) -> PipInstall | None:
    """Recognise ``pip install``, ``pip3 install``, ``python -m pip install``, ``uv pip install``.

    Returns None for any other command. Kept on the command: a dozen rules ask.
    """
    found: PipInstall | None = getattr(command, _PIP_KEY, _UNSET)
    if found is _UNSET:
        found = kept(command, _PIP_KEY, lambda: _pip_install(command))
    return found


_PIP_KEY = "_dlint_pip_install"
share_keys(Command, _COMMAND_KEY, _PIP_KEY)


def _pip_install(command: Command) -> PipInstall | None:
    found = package_command(command)
    if found is None or found.action != INSTALL or found.family != "pip":
        return None
    if found.manager not in ("pip", "uv") or found.verb.text != "install":
        return None
    return PipInstall(
        command,
        found.packages,
        tuple(found.values("-r", "--requirement")),
        tuple(found.values("-c", "--constraint")),
        tuple(found.values("-e", "--editable")),
        frozenset(name for name, _ in found.option_values),
        found.unknown,
        found.verb,
    )


def pip_installs(instruction: Instruction) -> list[PipInstall]:
    """Every pip install in one ``RUN``."""
    found = []
    for pkg in _package_commands(instruction):  # a pip install is a package command
        pip = pip_install(pkg.command)
        if pip is not None:
            found.append(pip)
    return found


SYSTEM_MANAGERS = frozenset({"apt-get", "apk", "dnf", "zypper"})


def system_installs(instruction: Instruction, *managers: str) -> list[PackageCommand]:
    """The system package installs of one ``RUN`` (of ``managers`` when given)."""
    wanted = managers or SYSTEM_MANAGERS
    return [
        p for p in _package_commands(instruction) if p.action == INSTALL and p.manager in wanted
    ]


def apt_installs(instruction: Instruction) -> list[PackageCommand]:
    """Every ``apt-get install`` / ``apt install`` / ``aptitude install`` in one ``RUN``."""
    return system_installs(instruction, "apt-get")


def bare_name(instruction: Instruction, text: str) -> str:
    """The bare package name: without ``=version``, ``:arch``, ``/release`` or a spec."""
    return re.split(r"[=:/<>~@\[ ]", instruction.resolve(text).text, maxsplit=1)[0].lower()


@dataclass(frozen=True)
class Installed:
    """A package a ``RUN`` installs: the command, the word that names it, the bare name."""

    install: PackageCommand
    word: Word
    name: str


def kept_packages(instruction: Instruction) -> Iterator[Installed]:
    """System packages the ``RUN`` installs and does not remove again before it ends.

    Knows the ways people remove build dependencies in the same layer:
    ``apt-get purge -y gcc``, ``apt-get purge -y --auto-remove`` or ``apt-get autoremove``
    after ``apt-mark auto`` (the docker-library pattern marks everything auto, then
    re-marks what it keeps manual), ``apk add --virtual .deps …`` then ``apk del .deps``,
    ``dnf remove``.
    """
    installed: list[Installed] = []
    auto: set[str] = set()
    groups: dict[str, set[str]] = {}
    for pkg in _package_commands(instruction):
        names = [bare_name(instruction, w.text) for w in pkg.packages]
        if pkg.action == INSTALL and pkg.manager in SYSTEM_MANAGERS:
            new = [Installed(pkg, w, n) for w, n in zip(pkg.packages, names, strict=True)]
            installed += new
            for group in pkg.values("-t", "--virtual"):
                groups.setdefault(group.text, set()).update(names)
            continue
        if pkg.manager == "apt-mark" and pkg.verb.text == "auto":
            patterns = [w.text for w in pkg.packages]
            auto |= {i.name for i in installed if any(_matches(i.name, p) for p in patterns)}
        elif pkg.manager == "apt-mark" and pkg.verb.text == "manual":
            auto -= set(names)
        elif pkg.action == REMOVE and pkg.manager in SYSTEM_MANAGERS:
            gone = set(names)
            for name in names:
                gone |= groups.get(name, set())
            autoremove = pkg.verb.text in ("autoremove", "autopurge") or pkg.has_option(
                "--auto-remove", "--autoremove"
            )
            if autoremove and pkg.manager == "apt-get":
                gone |= auto
            installed = [i for i in installed if i.name not in gone]
    yield from installed


def _matches(name: str, pattern: str) -> bool:
    """apt-mark takes names, globs or regexes (``'.*'`` marks everything)."""
    if pattern == name or fnmatch.fnmatchcase(name, pattern):
        return True
    if any(c in pattern for c in ".*^$+"):
        try:
            return re.fullmatch(pattern, name) is not None
        except re.error:
            return False
    return False


def deleted_paths(instruction: Instruction, after: Command | None = None) -> Iterator[str]:
    """Paths the ``RUN``'s commands delete (``rm``, ``find … -delete``/``-exec rm``).

    Paths are normalised with the variables in scope; ``rm -rf X/*`` yields ``X/*``.
    Only commands after ``after`` count when it is given.
    """
    commands = list(instruction.commands)
    if after is not None and after in commands:
        commands = commands[commands.index(after) + 1 :]
    for command in commands:
        args = [w for w in command.words[1:] if w.known]
        if command.program == "rm":
            for word in args:
                if not word.text.startswith("-"):
                    yield _normal(instruction, word.text)
        elif command.program == "find" and args:
            texts = [w.text for w in args]
            deletes = "-delete" in texts or ("-exec" in texts and "rm" in texts)
            filtered = any(t in ("-name", "-iname", "-path", "-regex", "-newer") for t in texts)
            if deletes and not filtered:
                for text in texts:
                    if text.startswith("-") or text in ("(", "!"):
                        break
                    yield _normal(instruction, text)


def _normal(instruction: Instruction, text: str) -> str:
    return posixpath.normpath(instruction.resolve(text).text)


def covers(deleted: Iterable[str], path: str) -> bool:
    """True when deleting ``deleted`` removes ``path`` or everything inside it."""
    for target in deleted:
        base = target[:-2] if target.endswith("/*") else target
        if base == path or path.startswith(base.rstrip("/") + "/"):
            return True
        if any(c in target for c in "*?[") and fnmatch.fnmatchcase(path, target):
            return True
    return False
