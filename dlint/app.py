"""What the final image runs: its start command, and the Python code behind it.

The ML-serving rules judge the process a container starts, not only the Dockerfile's
words: ``CMD ["python", "src/app.py"]`` is a development server when ``src/app.py`` ends
in Flask's ``app.run()``. This module resolves the start command from the model
(``ENTRYPOINT`` + ``CMD``, an init such as ``tini``, a shell entrypoint script and its
``exec``, ``python -m``, ``gunicorn pkg.mod:app``…), finds the servers it starts, and
summarises Python source with :mod:`ast`. Code is parsed, never imported or executed.

Everything here is pure: files come through a ``Reader`` (image path -> text) that
:mod:`dlint.appload` provides from the build context. Without one the start command is
still resolved from the Dockerfile alone, and the code is simply unknown.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from dlint import regex
from dlint.commands import PYTHON
from dlint.finding import Position, Span
from dlint.model import (
    Dockerfile,
    Instruction,
    Word,
    exec_script,  # the model's own `sh -c` reading
)
from dlint.records import dataclass, field, replace
from dlint.script import SHELLS, parse_script

if TYPE_CHECKING:
    import ast

# Programs that start the real process as their child and forward signals to it.
INITS = frozenset({"tini", "tini-static", "dumb-init", "docker-init", "catatonit", "s6-overlay"})
# Wrappers that exec the program they are given (their options are skipped).
EXEC_WRAPPERS = frozenset({"exec", "env", "gosu", "su-exec", "setpriv", "chpst", "nice"})
MAX_FILES = 16
MAX_IMPORT_DEPTH = 2


@dataclass(frozen=True)
class Source:
    """A text file of the image, read from the build context."""

    path: str
    """How findings name it (relative to the working directory when below it)."""
    image_path: str
    text: str


Reader = Callable[[str], Source | None]


def no_files(_image_path: str) -> Source | None:
    """The reader of a build without a context: every file is unknown."""
    return None


@dataclass(frozen=True)
class Launch:
    """A program the start command runs and its arguments.

    ``file`` is where the words are written: None for the Dockerfile, else the path of
    the entrypoint script. ``replaces`` is False when a shell runs it as a child instead
    of ``exec``-ing it, so the shell stays PID 1.
    """

    words: tuple[Word, ...]
    file: str | None = None
    replaces: bool = True
    within: tuple[str, ...] = ()
    """For a command of a shell script, the constructs around it (see ``Command.within``)."""

    @property
    def program(self) -> str:
        """The program's base name (``gunicorn`` for ``/opt/venv/bin/gunicorn``)."""
        return self.words[0].text.rsplit("/", 1)[-1] if self.words else ""

    @property
    def argv(self) -> list[str]:
        """The words as plain strings."""
        return [w.text for w in self.words]

    @property
    def span(self) -> Span:
        """From the first word to the last."""
        return Span(self.words[0].span.start, self.words[-1].span.end)

    def option(self, *names: str) -> Word | None:
        """The value of the first of ``names`` given (``--bind x``, ``--bind=x``, ``-bx``)."""
        words = self.words
        for index, word in enumerate(words):
            for name in names:
                if word.text == name and index + 1 < len(words):
                    return words[index + 1]
                if name.startswith("--") and word.text.startswith(name + "="):
                    return Word(word.text[len(name) + 1 :], word.raw, word.span, word.known)
                short = len(name) == 2 and not word.text.startswith("--")
                if short and word.text.startswith(name) and len(word.text) > 2:
                    return Word(word.text[2:], word.raw, word.span, word.known)
        return None

    def flag(self, *names: str) -> Word | None:
        """The word of the first flag of ``names`` given, bare or ``--name=value``."""
        for word in self.words:
            if word.text in names or word.text.split("=", 1)[0] in names:
                return word
        return None


@dataclass(frozen=True)
class Script:
    """A shell entrypoint script the start command runs, read from the context."""

    source: Source
    word: Word
    """The word of the start command that names it."""
    last: Launch | None
    """The command the script ends with (``exec "$@"`` resolves to the ``CMD``)."""


@dataclass(frozen=True)
class StartCommand:
    """The start command of the final image, resolved as far as the files allow.

    ``shell`` is the shell-form instruction when ``/bin/sh -c`` is PID 1 (or an exec-form
    ``["sh", "-c", "…"]`` whose script does not ``exec``); ``init`` the word of an init
    (``tini``, ``dumb-init``) that forwards signals; ``launch`` the program that ends up
    running the service after init, scripts and wrappers.
    """

    entrypoint: Instruction | None
    cmd: Instruction | None
    words: tuple[Word, ...]
    shell: Instruction | None = None
    init: Word | None = None
    script: Script | None = None
    launch: Launch | None = None

    @property
    def instruction(self) -> Instruction | None:
        """The instruction to point at for the start command as a whole."""
        return self.entrypoint or self.cmd


@dataclass(frozen=True)
class Value:
    """A literal value in code or on a command line, with its place (None: unknown)."""

    text: str | None
    span: Span
    file: str | None


@dataclass(frozen=True)
class Call:
    """A call in Python code: its dotted name as written and its literal arguments.

    Arguments that are not literals are None; ``os.environ.get("HOST", "0.0.0.0")`` and
    ``os.getenv`` count as their default.
    """

    name: str
    span: Span
    args: tuple[Any, ...]
    keywords: Mapping[str, Any]
    arg_spans: tuple[Span, ...] = ()
    keyword_spans: Mapping[str, Span] = field(default_factory=dict)
    guarded: bool = False
    """True inside ``if __name__ == "__main__":``."""

    @property
    def attribute(self) -> str:
        """The last part of the name: ``run`` for ``app.run``."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def receiver(self) -> str:
        """The part before the last dot: ``app`` for ``app.run``."""
        return self.name.rpartition(".")[0]

    def argument(self, position: int, keyword: str) -> tuple[bool, Any, Span]:
        """(given, value, span) of an argument passed by position or keyword."""
        if keyword in self.keywords:
            return True, self.keywords[keyword], self.keyword_spans.get(keyword, self.span)
        if position < len(self.args):
            span = self.arg_spans[position] if position < len(self.arg_spans) else self.span
            return True, self.args[position], span
        return False, None, self.span


@dataclass(frozen=True)
class PythonFile:
    """What dlint knows of one Python module of the image, from its syntax tree."""

    source: Source
    module: str | None
    """Its dotted module name when it was found by one (``service.app``)."""
    imports: tuple[str, ...]
    """Modules it imports, absolute (relative imports resolved against ``module``)."""
    calls: tuple[Call, ...]
    flask_names: frozenset[str]
    """Names bound to a ``Flask(...)``/``Dash(...)`` object in the module."""
    main: bool = False
    """True when the image runs it as ``__main__``."""
    parsed: bool = True
    assignments: Mapping[str, tuple[Any, Span]] = field(default_factory=dict)
    """Module-level ``name = value`` (literal values; None for expressions), as a config
    file such as ``gunicorn.conf.py`` sets them."""

    @property
    def run_calls(self) -> tuple[Call, ...]:
        """The calls that may run when the image runs or imports the file: code under a
        ``__main__`` guard runs only in the file the image runs as ``__main__``."""
        return tuple(c for c in self.calls if self.main or not c.guarded)

    @property
    def path(self) -> str:
        """How findings name the file."""
        return self.source.path

    def uses(self, *modules: str) -> bool:
        """True when the module imports one of ``modules`` (or a submodule)."""
        return any(i == m or i.startswith(m + ".") for i in self.imports for m in modules)


@dataclass(frozen=True)
class Server:
    """A network server the image starts, from its command line or its code.

    ``handles_sigterm`` is None when dlint does not know; ``host``/``port`` are the bind
    address (the server's default when not given, with the span of what starts it).
    """

    kind: str
    what: str
    """How a message names it: "Flask's app.run()", "uvicorn --reload"."""
    span: Span
    file: str | None
    dev: bool = False
    dev_reason: str = ""
    dev_span: Span | None = None
    host: Value | None = None
    port: Value | None = None
    handles_sigterm: bool | None = None

    def is_default(self, value: Value) -> bool:
        """True when ``value`` is the server's default, not written anywhere: it then
        points at the whole command or call."""
        return value.span == self.span


@dataclass(frozen=True)
class App:
    """What the final image runs: the start command, the code it loads, the servers."""

    start: StartCommand
    files: tuple[PythonFile, ...] = ()
    servers: tuple[Server, ...] = ()
    gunicorn_config: PythonFile | None = None
    """gunicorn's config file (``-c FILE``, else ``gunicorn.conf.py`` in the WORKDIR)."""

    @property
    def entry(self) -> PythonFile | None:
        """The Python file the start command runs first, when dlint could read it."""
        return self.files[0] if self.files else None

    @property
    def handles_sigterm(self) -> bool:
        """True when any code read installs a SIGTERM handler (``signal.signal``, asyncio)."""
        return any(_sigterm_handler(call) for f in self.files for call in f.calls)


# --- the start command --------------------------------------------------------------


def last(dockerfile: Dockerfile, keyword: str) -> Instruction | None:
    """The instruction with ``keyword`` that the final image ends up with, if any."""
    found = [i for i in dockerfile.in_final_image(keyword) if not i.onbuild]
    return found[-1] if found else None


def image_env(dockerfile: Dockerfile) -> dict[str, str]:
    """The ``ENV`` values of the final image (base image defaults unknown)."""
    env: dict[str, str] = {}
    for instruction in dockerfile.in_final_image("ENV"):
        for name, value in instruction.assignments:
            if value is not None:
                resolved = instruction.resolve(value)
                if resolved.complete:
                    env[name] = resolved.text
    return env


def created_users(dockerfile: Dockerfile) -> list[tuple[str | None, str]]:
    """(uid or None, name) of each ``useradd``/``adduser`` the final image runs, in order."""
    found: list[tuple[str | None, str]] = []
    for run in dockerfile.in_final_image("RUN"):
        for command in run.commands:
            if command.program not in ("useradd", "adduser"):
                continue
            argv = command.argv
            uid = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-u", "--uid")), None)
            names = [a for a in argv[1:] if not a.startswith("-") and a != uid]
            if names:
                found.append((uid, names[-1]))
    return found


def workdir(dockerfile: Dockerfile) -> str:
    """The ``WORKDIR`` the final image starts in (``/`` when none is set)."""
    path = "/"
    for instruction in dockerfile.in_final_image("WORKDIR"):
        if instruction.arguments:
            target = instruction.resolve(instruction.arguments[0].text).text
            path = posixpath.normpath(posixpath.join(path, target))
    return path


def start_instructions(dockerfile: Dockerfile) -> tuple[Instruction | None, Instruction | None]:
    """The ``ENTRYPOINT`` and ``CMD`` the final image starts with (``ONBUILD`` ones aside).

    As in Docker, an ``ENTRYPOINT`` set after a ``CMD`` (in a later stage of the lineage)
    resets that inherited ``CMD``.
    """
    entrypoint, cmd = last(dockerfile, "ENTRYPOINT"), last(dockerfile, "CMD")
    if entrypoint and cmd and cmd.stage_index < entrypoint.stage_index:
        cmd = None
    return entrypoint, cmd


def start_command(dockerfile: Dockerfile, read: Reader = no_files) -> StartCommand:
    """Resolve what the final image starts: init, shell, entrypoint script, program.

    As in Docker, an ``ENTRYPOINT`` set after a ``CMD`` (in a later stage of the lineage)
    resets the inherited ``CMD``; a shell-form ``CMD`` after an exec-form ``ENTRYPOINT`` is
    passed to it as ``/bin/sh -c …`` arguments.
    """
    entrypoint, cmd = start_instructions(dockerfile)
    if entrypoint is not None and entrypoint.exec_form is None:
        # A shell-form ENTRYPOINT ignores CMD entirely.
        return _shell_start(entrypoint, entrypoint, read, dockerfile)
    if entrypoint is None and cmd is not None and cmd.exec_form is None:
        return _shell_start(cmd, cmd, read, dockerfile)
    words = tuple(entrypoint.arguments if entrypoint else ()) + tuple(cmd.arguments if cmd else ())
    start = StartCommand(entrypoint, cmd, words)
    if not words:
        return start
    return _follow(start, Launch(words), cmd, read, dockerfile)


def _shell_start(
    shell: Instruction, instruction: Instruction, read: Reader, dockerfile: Dockerfile
) -> StartCommand:
    """``CMD python app.py``: ``/bin/sh -c`` is PID 1 unless the script ``exec``s."""
    commands = script_commands(instruction.value, instruction.locate)
    entry = instruction if instruction.keyword == "ENTRYPOINT" else None
    cmd = instruction if instruction.keyword == "CMD" else None
    words = tuple(w for c in commands for w in c.words)
    start = StartCommand(entry, cmd, words, shell=shell)
    if not commands:
        return start
    final = commands[-1]
    if final.replaces:
        start = StartCommand(entry, cmd, words)
    return _follow(start, final, None, read, dockerfile)


def _follow(
    start: StartCommand,
    launch: Launch,
    cmd: Instruction | None,
    read: Reader,
    dockerfile: Dockerfile,
    depth: int = 0,
) -> StartCommand:
    """Walk through inits, ``sh -c`` strings and entrypoint scripts to the real program."""
    init = start.init
    words = launch.words
    while words and words[0].text.rsplit("/", 1)[-1] in INITS:
        init = init or words[0]
        words = _skip_options(words[1:])
    while words and words[0].text.rsplit("/", 1)[-1] in EXEC_WRAPPERS:
        words = _skip_wrapper(words)
    file = launch.file
    if [w.text for w in words] in (["$@"], ["${@}"]):
        # A script's exec "$@" runs the CMD Docker passed to it.
        words = tuple(cmd.arguments) if cmd is not None and cmd.exec_form is not None else ()
        file = None
    launch = Launch(words, file, launch.replaces)
    start = _with(start, init=init, launch=launch if words else None)
    if not words or depth > 3:
        return start
    program = launch.program
    if program in SHELLS:
        inline = exec_script(words)
        if inline is not None:
            commands = script_commands(inline.text, _inside(inline, launch.file), launch.file)
            if not commands:
                return start
            final = commands[-1]
            shell = start.shell or (None if final.replaces else start.instruction)
            start = _with(start, shell=shell)
            return _follow(start, final, cmd, read, dockerfile, depth + 1)
        script_word = next((w for w in words[1:] if not w.text.startswith("-")), None)
        if script_word is None:
            return start
        return _into_script(start, script_word, cmd, read, dockerfile, depth)
    if _looks_like_script(words[0].text):
        return _into_script(start, words[0], cmd, read, dockerfile, depth)
    return start


def _into_script(
    start: StartCommand,
    word: Word,
    cmd: Instruction | None,
    read: Reader,
    dockerfile: Dockerfile,
    depth: int,
) -> StartCommand:
    """Read the entrypoint script ``word`` names and follow the command it ends with."""
    source = None
    for path in program_paths(dockerfile, word.text):
        source = read(path)
        if source is not None:
            break
    if source is None or not _is_shell_script(source.text, word.text):
        return start
    commands = script_commands(source.text, _locator(source.text), source.path)
    top = [c for c in commands if not c.within]
    final = top[-1] if top else None
    start = _with(start, script=Script(source, word, final), launch=final)
    if final is None:
        return start
    return _follow(start, final, cmd, read, dockerfile, depth + 1)


DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def program_paths(dockerfile: Dockerfile, word: str) -> list[str]:
    """Where the image looks for the program ``word``: the path itself when it has a
    slash (against the ``WORKDIR``), else each folder of ``PATH``."""
    if "/" in word:
        return [posixpath.normpath(posixpath.join(workdir(dockerfile), word))]
    folders = image_env(dockerfile).get("PATH", DEFAULT_PATH).split(":")
    return [posixpath.join(f, word) for f in folders if f.startswith("/")]


def _with(start: StartCommand, **changes: Any) -> StartCommand:
    """``start`` with some fields changed (a frozen record)."""
    return replace(start, **changes)


def _looks_like_script(text: str) -> bool:
    """A program word that may name a script in the image rather than a program on
    ``PATH``; the reader says whether the context really put one there."""
    return text.endswith(".sh") or "/" in text


def _is_shell_script(text: str, name: str) -> bool:
    first = text.split("\n", 1)[0]
    if first.startswith("#!"):
        interpreter = first[2:].split()
        names = [p.rsplit("/", 1)[-1] for p in interpreter]
        return bool(set(names) & SHELLS)
    return name.endswith(".sh")


def _skip_options(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """After ``tini``: its options, then ``--``."""
    index = 0
    while index < len(words) and words[index].text.startswith("-"):
        index += 1
        if words[index - 1].text == "--":
            break
    return words[index:]


def _skip_wrapper(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """``gosu app``, ``su-exec app``, ``env A=1``, ``exec -a name``: to the program."""
    wrapper = words[0].text.rsplit("/", 1)[-1]
    rest = list(words[1:])
    while rest and (rest[0].text.startswith("-") or "=" in rest[0].text):
        rest.pop(0)
    if wrapper in ("gosu", "su-exec", "chpst") and rest:
        rest.pop(0)  # the user
    return tuple(rest)


Locator = Callable[[int, int], Span]


def _inside(word: Word, file: str | None) -> Locator:
    """Place offsets of a quoted string's text, when it maps one to one onto the source."""
    linear = word.raw[1:-1] == word.text and word.raw[:1] in ("'", '"')
    start = word.span.start

    def locate(begin: int, end: int) -> Span:
        if not linear or word.span.start.line != word.span.end.line:
            return word.span
        return Span(
            Position(start.line, start.column + 1 + begin),
            Position(start.line, start.column + 1 + end),
        )

    return locate


def _locator(text: str) -> Locator:
    """Offsets of ``text`` to 1-based lines and columns."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def place(offset: int) -> Position:
        line = bisect.bisect_right(starts, offset) - 1
        return Position(line + 1, offset - starts[line] + 1)

    return lambda begin, end: Span(place(begin), place(end))


EXEC_BEFORE = regex.compile(r"(?:^|[;&|({\s])exec(?:\s+-\S+)*\s+(?:\S+=\S*\s+|env\s+|-\S+\s+)*$")


def script_commands(text: str, locate: Locator, file: str | None = None) -> list[Launch]:
    """The simple commands of a shell script as :class:`Launch` records.

    ``replaces`` is True for a command run with ``exec`` (which the shell parser unwraps)
    and, in a ``-c`` string (``file`` None), for the last command outside any construct:
    dash (Debian's and Ubuntu's ``/bin/sh`` since 0.5.11), busybox ash and bash 5.1 exec
    it instead of forking. A command in a pipeline, a branch or a loop is forked.
    """
    parsed = [c for c in parse_script(text) if c.words]
    found = []
    for command in parsed:
        first = command.words[0]
        line_start = text.rfind("\n", 0, first.start) + 1
        before = text[line_start : first.start]
        replaces = bool(EXEC_BEFORE.search(before)) or (
            file is None and command is parsed[-1] and not command.within
        )
        words = tuple(
            Word(w.text, w.raw, locate(w.start, w.end), not w.dynamic or w.text in ("$@", "${@}"))
            for w in command.words
        )
        found.append(Launch(words, file, replaces, command.within))
    return found


# --- what the program runs ------------------------------------------------------------


def python_target(launch: Launch) -> tuple[str, str] | None:
    """``("file", path)`` or ``("module", name)`` that a Python start command runs."""
    words = launch.words
    if not PYTHON.match(launch.program):
        return None
    index = 1
    while index < len(words):
        text = words[index].text
        if text == "-m" and index + 1 < len(words):
            return ("module", words[index + 1].text)
        if text.startswith("-m") and len(text) > 2:
            return ("module", text[2:])
        if text in ("-c",) or text.startswith("-c"):
            return None
        if text in ("-X", "-W", "-Q"):
            index += 2
            continue
        if text.startswith("-"):
            index += 1
            continue
        return ("file", text)
    return None


APP_SPEC_SERVERS = frozenset({"gunicorn", "uvicorn", "hypercorn", "daphne", "granian"})


def app_spec(launch: Launch, env: Mapping[str, str]) -> Word | None:
    """The ``module:attr`` operand of an ASGI/WSGI server command line."""
    program = launch.program
    words = launch.words
    if program == "waitress-serve":
        call = launch.option("--call")
        operands = [w for w in words[1:] if not w.text.startswith("-")]
        return call or (operands[-1] if operands else None)
    if program not in APP_SPEC_SERVERS:
        return None
    value_options = SERVER_VALUE_OPTIONS.get(program, frozenset())
    index = 1
    found = None
    while index < len(words):
        text = words[index].text
        if text.startswith("-"):
            index += 2 if text in value_options else 1
            continue
        found = words[index]
        index += 1
    return found


def _words(text: str) -> frozenset[str]:
    """Option names written as one whitespace-separated string."""
    return frozenset(text.split())


SERVER_VALUE_OPTIONS = {
    "gunicorn": _words(
        """-b --bind -w --workers -k --worker-class -c --config -t --timeout --chdir -u --user
        -g --group --worker-tmp-dir --graceful-timeout --keep-alive --threads
        --access-logfile --error-logfile --log-level --log-file -n --name -e --env
        --max-requests --max-requests-jitter --pythonpath --forwarded-allow-ips -p --pid
        --backlog --worker-connections --limit-request-line --umask --certfile --keyfile
        --access-logformat --statsd-host --paste --capture-output"""
    ),
    "uvicorn": _words(
        """--host --port --uds --fd --workers --loop --http --ws --lifespan --interface
        --env-file --log-level --log-config --root-path --app-dir --timeout-keep-alive
        --timeout-graceful-shutdown --limit-concurrency --limit-max-requests --backlog
        --forwarded-allow-ips --reload-dir --reload-include --reload-exclude
        --ssl-keyfile --ssl-certfile --h11-max-incomplete-event-size"""
    ),
    "hypercorn": _words(
        """-b --bind -w --workers -k --worker-class -c --config --graceful-timeout
        --access-logfile --error-logfile --log-level --root-path --keep-alive"""
    ),
    "daphne": _words("-b --bind -p --port -u --unix-socket -e --endpoint"),
    "granian": _words("--host --port --interface --workers --threads"),
}


def module_paths(module: str, roots: list[str], package_main: bool = False) -> list[str]:
    """Image paths where ``module`` may live under each import root."""
    relative = module.replace(".", "/")
    found = []
    for root in roots:
        base = posixpath.join(root, relative)
        found.append(base + ".py")
        found.append(posixpath.join(base, "__main__.py" if package_main else "__init__.py"))
    return found


# --- servers from the command line --------------------------------------------------


def _word_value(word: Word | None, file: str | None) -> Value | None:
    return None if word is None else Value(word.text if word.known else None, word.span, file)


def _split_bind(value: Value | None) -> tuple[Value | None, Value | None]:
    """``0.0.0.0:8000`` -> host and port values (``unix:`` sockets have neither)."""
    if value is None or value.text is None or value.text.startswith(("unix:", "fd://")):
        return value and Value(None, value.span, value.file), None
    host, sep, port = value.text.rpartition(":")
    if not sep:
        return Value(value.text, value.span, value.file), None
    return Value(host.strip("[]"), value.span, value.file), Value(port, value.span, value.file)


def command_server(launch: Launch, env: Mapping[str, str]) -> Server | None:
    """The server a command line starts, with its bind address and dev-mode flags."""
    program, file, words = launch.program, launch.file, launch.words
    argv = launch.argv
    span = launch.span
    if program == "gunicorn" or _python_module(launch) == "gunicorn":
        bind = _word_value(launch.option("-b", "--bind"), file)
        host, port = _split_bind(bind)
        if bind is None:
            env_port = env.get("PORT")
            cmd_args = env.get("GUNICORN_CMD_ARGS", "")
            if "--bind" in cmd_args or "-b" in cmd_args.split():
                host = port = None
            elif env_port:
                host, port = Value("0.0.0.0", span, file), Value(env_port, span, file)
            else:
                host, port = Value("127.0.0.1", span, file), Value("8000", span, file)
        reload = launch.flag("--reload")
        return Server(
            "gunicorn",
            "gunicorn",
            span,
            file,
            reload is not None,
            "gunicorn --reload",
            reload.span if reload else None,
            host,
            port,
            True,
        )
    if program in ("uvicorn", "hypercorn", "daphne", "granian") or _python_module(launch) in (
        "uvicorn",
        "hypercorn",
    ):
        kind = (
            program
            if program in ("uvicorn", "hypercorn", "daphne", "granian")
            else (_python_module(launch) or program)
        )
        if kind in ("hypercorn", "daphne"):
            bind = _word_value(launch.option("-b", "--bind"), file)
            host, port = _split_bind(bind)
            if kind == "daphne":
                port = _word_value(launch.option("-p", "--port"), file) or port
        else:
            host = _word_value(launch.option("--host"), file)
            port = _word_value(launch.option("--port"), file)
        host = host or Value("127.0.0.1", span, file)
        port = port or Value("8000", span, file)
        reload = launch.flag("--reload")
        return Server(
            kind,
            kind,
            span,
            file,
            reload is not None,
            f"{kind} --reload",
            reload.span if reload else None,
            host,
            port,
            True,
        )
    if program == "flask" or _python_module(launch) == "flask":
        if "run" not in argv:
            return None
        host = _word_value(launch.option("-h", "--host"), file)
        port = _word_value(launch.option("-p", "--port"), file)
        host = host or Value(env.get("FLASK_RUN_HOST", "127.0.0.1"), span, file)
        port = port or Value(env.get("FLASK_RUN_PORT", "5000"), span, file)
        run = words[argv.index("run")]
        return Server(
            "flask", "flask run", span, file, True, "flask run", run.span, host, port, False
        )
    if PYTHON.match(program) and "runserver" in argv:
        index = argv.index("runserver")
        operands = [w for w in words[index + 1 :] if not w.text.startswith("-")]
        host = Value("127.0.0.1", span, file)
        port = Value("8000", span, file)
        if operands:
            address = operands[0].text
            h, sep, p = address.rpartition(":")
            value_span = operands[0].span
            host = Value(h or "127.0.0.1", value_span, file) if sep else host
            port = Value(p if sep else address, value_span, file)
        handles = "--noreload" not in argv
        return Server(
            "django",
            "Django's runserver",
            span,
            file,
            True,
            "manage.py runserver",
            words[index].span,
            host,
            port,
            handles,
        )
    if program == "streamlit" or _python_module(launch) == "streamlit":
        dev = next(
            (w for w in words if STREAMLIT_DEV.match(w.text)),
            None,
        )
        if dev is not None and "=" not in dev.text:
            nxt = words[words.index(dev) + 1] if words.index(dev) + 1 < len(words) else None
            dev = dev if nxt is None or nxt.text.lower() != "false" else None
        host = _word_value(launch.option("--server.address"), file) or Value("0.0.0.0", span, file)
        port = _word_value(launch.option("--server.port"), file) or Value("8501", span, file)
        return Server(
            "streamlit",
            "streamlit",
            span,
            file,
            dev is not None,
            "streamlit with development flags",
            dev.span if dev else None,
            host,
            port,
            True,
        )
    if program == "gradio":
        host = Value(env.get("GRADIO_SERVER_NAME", "127.0.0.1"), span, file)
        port = Value(env.get("GRADIO_SERVER_PORT", "7860"), span, file)
        return Server(
            "gradio",
            "the gradio CLI",
            span,
            file,
            True,
            "gradio's reload mode (the gradio CLI)",
            words[0].span,
            host,
            port,
            False,
        )
    if program == "waitress-serve":
        listen = _word_value(launch.option("--listen"), file)
        host, port = _split_bind(listen)
        host = host or _word_value(launch.option("--host"), file) or Value("0.0.0.0", span, file)
        port = port or _word_value(launch.option("--port"), file) or Value("8080", span, file)
        return Server("waitress", "waitress-serve", span, file, False, "", None, host, port, False)
    if _python_module(launch) == "http.server":
        bind = _word_value(launch.option("-b", "--bind"), file) or Value("0.0.0.0", span, file)
        args = [w for w in words[3:] if w.text.isdigit()]
        port = _word_value(args[0], file) if args else Value("8000", span, file)
        return Server(
            "http.server",
            "python -m http.server",
            span,
            file,
            True,
            "python -m http.server",
            span,
            bind,
            port,
            False,
        )
    module = _python_module(launch)
    names = [program, *argv[1:3]]
    for spec in MODEL_SERVERS:
        by_module = spec.module is not None and module == spec.module
        if by_module or names[: len(spec.command)] == list(spec.command):
            host = (
                _word_value(launch.option(*spec.host_options), file) if spec.host_options else None
            )
            port = (
                _word_value(launch.option(*spec.port_options), file) if spec.port_options else None
            )
            if host is None and spec.default_host is not None:
                host = Value(spec.default_host, span, file)
            if port is None and spec.default_port is not None:
                port = Value(env.get(spec.port_variable or "", spec.default_port), span, file)
            return Server(spec.kind, " ".join(spec.command), span, file, host=host, port=port)
    return None


STREAMLIT_DEV = regex.compile(r"--(global\.developmentMode|server\.runOnSave)(=true)?$")


@dataclass(frozen=True)
class ModelServer:
    """A model server's command line: how it is started and where it listens by default
    (None where that depends on a config file dlint does not read)."""

    kind: str
    command: tuple[str, ...]
    module: str | None = None
    host_options: tuple[str, ...] = ()
    port_options: tuple[str, ...] = ()
    default_host: str | None = None
    default_port: str | None = None
    port_variable: str | None = None


MODEL_SERVERS = (
    ModelServer(
        "mlflow",
        ("mlflow", "server"),
        None,
        ("-h", "--host"),
        ("-p", "--port"),
        "127.0.0.1",
        "5000",
    ),
    ModelServer(
        "mlflow",
        ("mlflow", "models", "serve"),
        None,
        ("-h", "--host"),
        ("-p", "--port"),
        "127.0.0.1",
        "5000",
    ),
    ModelServer(
        "vllm",
        ("vllm", "serve"),
        "vllm.entrypoints.openai.api_server",
        ("--host",),
        ("--port",),
        "0.0.0.0",
        "8000",
    ),
    ModelServer(
        "bentoml",
        ("bentoml", "serve"),
        None,
        ("--host",),
        ("-p", "--port"),
        "0.0.0.0",
        "3000",
        "BENTOML_PORT",
    ),
    ModelServer(
        "tgi",
        ("text-generation-launcher",),
        None,
        ("--hostname",),
        ("-p", "--port"),
        "0.0.0.0",
        "3000",
        "PORT",
    ),
    ModelServer("triton", ("tritonserver",), None, (), ("--http-port",), "0.0.0.0", "8000"),
    ModelServer("torchserve", ("torchserve",)),
    ModelServer("ray", ("serve", "run")),
    ModelServer("uwsgi", ("uwsgi",)),
    ModelServer("nginx", ("nginx",)),
)


def _python_module(launch: Launch) -> str | None:
    target = python_target(launch)
    return target[1] if target and target[0] == "module" else None


# --- Python source -----------------------------------------------------------------


def read_python(source: Source, module: str | None = None, main: bool = False) -> PythonFile:
    """Summarise one Python file with :mod:`ast`; a file that does not parse is unknown.

    ``main`` is True when the image runs the file as ``__main__`` (``python app.py``,
    ``python -m pkg``): only then does code under ``if __name__ == "__main__":`` run.
    """
    import ast

    try:
        tree = ast.parse(source.text, filename=source.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return PythonFile(source, module, (), (), frozenset(), main, parsed=False)
    lines = source.text.splitlines()
    imports: list[str] = []
    calls: list[Call] = []
    flask: set[str] = set()

    def span(node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        column = _char_column(lines, line, getattr(node, "col_offset", 0))
        end_column = _char_column(lines, end_line, getattr(node, "end_col_offset", 0) or 0)
        return Span(Position(line, column + 1), Position(end_line, end_column + 1))

    def record(call: ast.Call, guarded: bool) -> None:
        func = call.func
        last_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        name = _dotted(func) if last_name in CALLS_OF_INTEREST else ""
        if name:
            calls.append(
                Call(
                    name,
                    span(call),
                    tuple(_literal(a) for a in call.args),
                    {k.arg: _literal(k.value) for k in call.keywords if k.arg},
                    tuple(span(a) for a in call.args),
                    {k.arg: span(k.value) for k in call.keywords if k.arg},
                    guarded,
                )
            )

    # Walk statements only, with an explicit stack (a deeply nested file must not crash
    # the linter), and look into a statement's expressions only when its text names a
    # call of interest: most of a module is never visited node by node.
    stack: list[tuple[ast.stmt, bool]] = [(s, False) for s in reversed(tree.body)]
    while stack:
        node, guarded = stack.pop()
        if isinstance(node, ast.Import):
            imports.extend(alias.name for alias in node.names)
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and module:
                parts = module.split(".")
                package = parts[: max(0, len(parts) - node.level)]
                base = ".".join([*package, *([base] if base else [])])
            if base:
                imports.append(base)
                imports.extend(f"{base}.{alias.name}" for alias in node.names)
            continue
        assigned = node.value if isinstance(node, ast.Assign) else None
        if isinstance(assigned, ast.Call) and _dotted(assigned.func) in FLASK_CLASSES:
            flask.update(t.id for t in node.targets if isinstance(t, ast.Name))
        mentions = _names_a_call(lines, node)
        inner: list[tuple[ast.stmt, bool]] = []
        for field_name, value in ast.iter_fields(node):
            if field_name in STATEMENT_LISTS and isinstance(value, list):
                inside = guarded or (
                    field_name == "body" and isinstance(node, ast.If) and _is_main_guard(node.test)
                )
                for child in value:
                    if isinstance(child, ast.stmt):
                        inner.append((child, inside))
                    else:  # an except handler or a match case: its own statements
                        inner.extend((c, inside) for c in getattr(child, "body", ()))
            elif mentions and isinstance(value, ast.AST | list):
                for expression in value if isinstance(value, list) else [value]:
                    if isinstance(expression, ast.AST):
                        for sub in ast.walk(expression):
                            if isinstance(sub, ast.Call):
                                record(sub, guarded)
        stack.extend(reversed(inner))
    calls.sort(key=lambda c: (c.span.start.line, c.span.start.column))
    assignments = {
        target.id: (_literal(statement.value), span(statement.value))
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    return PythonFile(
        source,
        module,
        tuple(imports),
        tuple(calls),
        frozenset(flask),
        main,
        assignments=assignments,
    )


STATEMENT_LISTS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _names_a_call(lines: list[str], node: ast.stmt) -> bool:
    """True when the lines of a statement (up to its body) mention a call of interest."""
    first = node.lineno
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and hasattr(body[0], "lineno"):
        last = max(first, body[0].lineno - 1)
    else:
        last = node.end_lineno or first
    pattern = _call_text()
    return any(pattern.search(line) for line in lines[first - 1 : last])


def _is_main_guard(test: ast.AST) -> bool:
    """``if __name__ == "__main__":`` (either way round)."""
    import ast

    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


FLASK_CLASSES = frozenset({"Flask", "flask.Flask", "Dash", "dash.Dash", "Quart", "quart.Quart"})
# Only calls that some rule judges are recorded: building a Call (places, literal
# arguments) for every call of a module would cost more than parsing it.
CALLS_OF_INTEREST = frozenset(
    {
        *("run", "run_server", "serve", "run_simple", "launch", "run_app", "HTTPServer"),
        *("ThreadingHTTPServer", "TCPServer", "signal", "add_signal_handler", "cpu_count"),
        *("from_pretrained", "hf_hub_download", "snapshot_download", "pipeline", "load"),
        *("SentenceTransformer", "download_file"),
    }
)


@cache
def _call_text() -> re.Pattern[str]:
    """The names of CALLS_OF_INTEREST as one pattern (compiled on first use: start-up)."""
    return regex.compile(rf"\b(?:{'|'.join(sorted(CALLS_OF_INTEREST))})\b")


def _char_column(lines: list[str], line: int, byte_offset: int) -> int:
    """ast counts columns in UTF-8 bytes; findings count characters."""
    if not 0 < line <= len(lines):
        return byte_offset
    text = lines[line - 1]
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for a name or attribute chain; the callee of ``f().run`` is ``f().run``."""
    import ast

    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = _dotted(node.func)
        if not inner:
            return ""
        parts.append(inner + "()")
    else:
        return ""
    return ".".join(reversed(parts))


ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "environ.get", "getenv"})


def _literal(node: ast.AST) -> Any:
    """The value of a literal argument; for ``os.environ.get(NAME, default)`` the default,
    for a dotted name its text (``signal.SIGTERM``); None when not known."""
    import ast

    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        if name in ENV_GETTERS and len(node.args) >= 2:
            default = _literal(node.args[1])
            variable = _literal(node.args[0])
            if isinstance(default, str | int) and isinstance(variable, str):
                return EnvDefault(str(default), variable)
            return None
        if name in ("int", "str") and node.args:
            return _literal(node.args[0])
        return None
    if isinstance(node, ast.Attribute | ast.Name):
        return Symbol(_dotted(node))
    return None


class Symbol(str):
    """A name in code (``signal.SIGTERM``, ``app``), as opposed to a string literal."""


class EnvDefault(str):
    """``os.environ.get("HOST", "0.0.0.0")``: the default, and the variable that wins."""

    variable: str

    def __new__(cls, default: str, variable: str) -> EnvDefault:
        value = super().__new__(cls, default)
        value.variable = variable
        return value


def _sigterm_handler(call: Call) -> bool:
    """``signal.signal(signal.SIGTERM, …)``, ``loop.add_signal_handler(SIGTERM, …)``."""
    if call.attribute not in ("signal", "add_signal_handler") or not call.args:
        return False
    first = call.args[0]
    return (isinstance(first, Symbol) and first.rsplit(".", 1)[-1] == "SIGTERM") or first == 15


# --- servers in code -------------------------------------------------------------------


@dataclass(frozen=True)
class CodeServer:
    """How a server started by a call in code takes its address, and what it is."""

    kind: str
    host: tuple[int, str]
    """Position and keyword of the host argument (99: keyword only)."""
    port: tuple[int, str]
    default_host: tuple[str | None, str | None]
    """The environment variable the server reads, then its built-in default."""
    default_port: tuple[str | None, str | None]
    handles_sigterm: bool
    dev: str = ""
    """How a message names it when it is a development server ("" when it is not)."""


FLASK_RUN = CodeServer(
    "flask", (0, "host"), (1, "port"), (None, "127.0.0.1"), (None, "5000"), False, "Flask's {}"
)
UVICORN_RUN = CodeServer(
    "uvicorn", (99, "host"), (99, "port"), (None, "127.0.0.1"), (None, "8000"), True
)
WAITRESS = CodeServer(
    "waitress", (99, "host"), (99, "port"), (None, "0.0.0.0"), (None, "8080"), False
)
RUN_SIMPLE = CodeServer(
    "werkzeug", (0, "hostname"), (1, "port"), (None, None), (None, None), False, "Werkzeug's {}"
)
GRADIO = CodeServer(
    "gradio",
    (99, "server_name"),
    (99, "server_port"),
    ("GRADIO_SERVER_NAME", "127.0.0.1"),
    ("GRADIO_SERVER_PORT", "7860"),
    False,
)
AIOHTTP = CodeServer("aiohttp", (99, "host"), (99, "port"), (None, "0.0.0.0"), (None, "8080"), True)
HTTP_SERVER = CodeServer(
    "http.server", (0, "server_address"), (0, "server_address"), (None, None), (None, None), False
)


def code_server_kind(file: PythonFile, call: Call) -> CodeServer | None:
    """Which server, if any, ``call`` starts."""
    attribute, receiver, name = call.attribute, call.receiver, call.name
    if attribute in ("run", "run_server") and (
        receiver in file.flask_names
        or (receiver.endswith(("app", "app()")) and file.uses("flask", "dash", "quart"))
    ):
        return FLASK_RUN
    if name == "uvicorn.run" or (name == "run" and "uvicorn.run" in file.imports):
        return UVICORN_RUN
    if name == "waitress.serve" or (name == "serve" and "waitress.serve" in file.imports):
        return WAITRESS
    if attribute == "run_simple" and file.uses("werkzeug"):
        return RUN_SIMPLE
    if attribute == "launch" and file.uses("gradio"):
        return GRADIO
    if attribute == "run_app" and file.uses("aiohttp"):
        return AIOHTTP
    if attribute in ("HTTPServer", "ThreadingHTTPServer", "TCPServer") and call.args:
        return HTTP_SERVER
    return None


def code_servers(file: PythonFile, env: Mapping[str, str]) -> Iterator[Server]:
    """Servers the module starts: ``app.run()``, ``uvicorn.run()``, ``demo.launch()``…"""
    path = file.path
    for call in file.run_calls:
        spec = code_server_kind(file, call)
        if spec is None:
            continue
        host = _argument_value(call, spec.host, spec.default_host, env, path)
        port = _argument_value(call, spec.port, spec.default_port, env, path)
        dev, dev_span = spec.dev.format(f"{call.name}()"), call.span if spec.dev else None
        if spec is UVICORN_RUN and call.keywords.get("reload") is True:
            dev, dev_span = f"{call.name}(reload=True)", call.keyword_spans.get("reload")
        given_listen, listen, listen_span = call.argument(99, "listen")
        if spec is WAITRESS and given_listen:
            host, port = _split_bind(Value(_text(listen, env), listen_span, path))
        if spec is HTTP_SERVER:
            address = call.args[0]
            if not (isinstance(address, tuple) and len(address) == 2):
                continue
            span = call.arg_spans[0] if call.arg_spans else call.span
            host = Value(_text(address[0], env), span, path)
            port = Value(_text(address[1], env), span, path)
        yield Server(
            spec.kind,
            f"{call.name}()",
            call.span,
            path,
            bool(dev),
            dev,
            dev_span,
            host,
            port,
            spec.handles_sigterm,
        )


def _argument_value(
    call: Call,
    where: tuple[int, str],
    default: tuple[str | None, str | None],
    env: Mapping[str, str],
    path: str,
) -> Value:
    """The literal a call passes for an address argument, else the server's default
    (read from its environment variable first); a default points at the whole call."""
    given, value, span = call.argument(*where)
    if given:
        return Value(_text(value, env), span, path)
    variable, fallback = default
    return Value(env.get(variable, fallback) if variable else fallback, call.span, path)


def _text(value: Any, env: Mapping[str, str]) -> str | None:
    """A literal as bind-address text (an environment default as the image's ``ENV``
    sets it); None for names and expressions."""
    if isinstance(value, EnvDefault):
        return env.get(value.variable, str(value))
    if isinstance(value, Symbol) or value is None or isinstance(value, bool):
        return None
    if isinstance(value, str | int):
        return str(value)
    return None


# --- putting it together --------------------------------------------------------------


def build_app(dockerfile: Dockerfile, read: Reader = no_files) -> App:
    """Resolve the final image's start command, read the code it runs, find its servers."""
    start = start_command(dockerfile, read)
    launch = start.launch
    if launch is None or not launch.words:
        return App(start)
    env = image_env(dockerfile)
    files = _code(launch, dockerfile, env, read)
    servers: list[Server] = []
    server = command_server(launch, env)
    config = None
    if server is not None and server.kind == "gunicorn":
        config = _gunicorn_config(launch, dockerfile, read)
        server = _configured(server, config, env)
        server = _bound_by_cmd_args(server, dockerfile)
    if server is not None:
        servers.append(server)
    for file in files:
        servers.extend(code_servers(file, env))
    return App(start, tuple(files), tuple(servers), config)


def _bound_by_cmd_args(server: Server, dockerfile: Dockerfile) -> Server:
    """gunicorn with the ``--bind`` of the ``GUNICORN_CMD_ARGS`` the image sets, placed at
    that ``ENV`` word, when the command line has none (gunicorn reads it at start)."""
    if server.host is not None:
        return server
    for instruction in reversed(dockerfile.in_final_image("ENV")):
        for word, (name, value) in zip(
            instruction.arguments, instruction.assignments, strict=False
        ):
            if name != "GUNICORN_CMD_ARGS" or value is None:
                continue
            args = instruction.resolve(value).text.strip("'\"").split()
            bind = next(
                (
                    a.split("=", 1)[1] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
                    for i, a in enumerate(args)
                    if a in ("-b", "--bind") or a.startswith("--bind=")
                ),
                None,
            )
            if bind:
                host, port = _split_bind(Value(bind, word.span, None))
                return replace(server, host=host, port=port)
            return server
    return server


def _gunicorn_config(launch: Launch, dockerfile: Dockerfile, read: Reader) -> PythonFile | None:
    """gunicorn's config file: ``-c FILE`` (not ``python:module``), else the default
    ``gunicorn.conf.py`` in the working directory."""
    option = launch.option("-c", "--config")
    name = option.text if option is not None else "gunicorn.conf.py"
    if name.startswith("python:"):
        return None
    source = read(posixpath.normpath(posixpath.join(workdir(dockerfile), name)))
    return read_python(source) if source is not None else None


def _configured(server: Server, config: PythonFile | None, env: Mapping[str, str]) -> Server:
    """The gunicorn server with the bind address its config file sets, when the command
    line does not."""
    if config is None or "bind" not in config.assignments:
        return server
    if server.host is not None and not server.is_default(server.host):
        return server
    value, span = config.assignments["bind"]
    if isinstance(value, tuple):
        value = value[0] if value else None
    host, port = _split_bind(Value(_text(value, env), span, config.path))
    return replace(server, host=host, port=port)


def _roots(dockerfile: Dockerfile, env: Mapping[str, str], extra: str | None = None) -> list[str]:
    """Import roots of the image: a chosen folder, the ``WORKDIR``, then ``PYTHONPATH``."""
    cwd = workdir(dockerfile)
    roots = [posixpath.normpath(posixpath.join(cwd, extra))] if extra else []
    roots.append(cwd)
    for part in env.get("PYTHONPATH", "").split(":"):
        if part and "$" not in part:
            roots.append(posixpath.normpath(posixpath.join(cwd, part)))
    return list(dict.fromkeys(roots))


def _code(
    launch: Launch, dockerfile: Dockerfile, env: Mapping[str, str], read: Reader
) -> list[PythonFile]:
    """The Python files the command runs, then the local modules they import (bounded)."""
    cwd = workdir(dockerfile)
    entry: list[tuple[str, str | None]] = []  # (image path, module name)
    roots = _roots(dockerfile, env)
    target = python_target(launch)
    program = launch.program
    if target and target[0] == "file":
        path = posixpath.normpath(posixpath.join(cwd, target[1]))
        entry.append((path, None))
        roots = [posixpath.dirname(path), *roots]
    elif target and target[0] == "module" and target[1] not in KNOWN_MODULES:
        entry += [(p, target[1]) for p in module_paths(target[1], roots, package_main=True)]
    elif program in ("streamlit", "gradio"):
        operands = [w for w in launch.words[1:] if not w.text.startswith("-") and w.text != "run"]
        if operands:
            path = posixpath.normpath(posixpath.join(cwd, operands[0].text))
            entry.append((path, None))
            roots = [posixpath.dirname(path), *roots]
    else:
        spec = app_spec(launch, env)
        if spec is None and (program == "flask" or _python_module(launch) == "flask"):
            app_option = launch.option("-A", "--app")
            spec_text = app_option.text if app_option else env.get("FLASK_APP", "app")
        else:
            spec_text = spec.text if spec is not None else None
        if spec_text:
            chdir = launch.option("--chdir", "--app-dir")
            roots = _roots(dockerfile, env, chdir.text if chdir else None)
            module = spec_text.split(":", 1)[0].removesuffix(".py").replace("/", ".")
            module = module.split("(", 1)[0]
            entry += [(p, module) for p in module_paths(module, roots)]
    files: list[PythonFile] = []
    seen: set[str] = set()
    for path, module in entry:
        if path in seen:
            continue
        seen.add(path)
        source = read(path)
        if source is not None:
            runs_main = module is None or module == (target[1] if target else None)
            files.append(read_python(source, module, main=runs_main))
            break
    if not files:
        return []
    queue = [(files[0], 0)]
    while queue and len(files) < MAX_FILES:
        file, depth = queue.pop(0)
        if depth >= MAX_IMPORT_DEPTH:
            continue
        for name in file.imports:
            if len(files) >= MAX_FILES:
                break
            for path in module_paths(name, roots):
                if path in seen:
                    continue
                seen.add(path)
                source = read(path)
                if source is not None:
                    found = read_python(source, name)
                    files.append(found)
                    queue.append((found, depth + 1))
                    break
    return files


# Modules run with -m that are tools, not the application (their servers are known above).
KNOWN_MODULES = frozenset({"gunicorn", "uvicorn", "hypercorn", "flask", "streamlit", "http.server"})
