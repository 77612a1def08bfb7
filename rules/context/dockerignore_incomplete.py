"""## What it does
When the Dockerfile copies the whole build context (`COPY . .`, `ADD . /app`,
`COPY * ./`), looks at the files really present in the context and names those that the
.dockerignore lets through although an ML image must never carry them, one finding per
kind, with their sizes:

- version control history: `.git` (also `.hg`, `.svn`), anywhere;
- virtualenvs: any folder with a `pyvenv.cfg` (`.venv`, `venv`, `env`, ...);
- Python caches: `__pycache__`, `*.pyc`, `*.pyo`, `.pytest_cache`, `.mypy_cache`, `.ruff_cache`;
- secrets: `.env` and `.env.*` (not `.env.example`/`.sample`/`.template`), `*.pem`,
  `*.key`, `*.p12`, `*.pfx`, `id_rsa`/`id_ed25519`/`id_ecdsa`/`id_dsa`,
  `credentials.json`, `.netrc`, `.pypirc`, `.git-credentials`;
- notebooks: `*.ipynb` and `.ipynb_checkpoints`;
- data and experiment folders at the context root: `data`, `datasets`, `mlruns`,
  `wandb`, `experiments`, `lightning_logs`, `outputs` (not when the folder is a Python
  package, i.e. holds an `__init__.py`);
- model checkpoints: `*.ckpt`, `*.pt`, `*.pth`, `*.h5`, `*.safetensors`, `*.onnx`,
  `*.pkl`, `*.joblib`, and `*.bin` from 1 MB up (small `.bin` files are rarely models).

Only what exists on disk is reported: a kind with nothing present has nothing to send.
The finding points at the first line of the ignore file that applies
(`<Dockerfile name>.dockerignore` or the context's `.dockerignore`) and says which lines
to add. Patterns are matched exactly as Docker does, so `*.pyc` or `__pycache__` in the
.dockerignore only cover the context root: a nested `src/__pycache__` is still reported,
with `**/__pycache__` as the line to add.

Not reported: a Dockerfile that copies only named paths (`COPY src/ ./src/`), since then
the .dockerignore decides little of what reaches the image; a path the Dockerfile copies
by name (`COPY models/model.onnx /models/`), which must stay in the context; a path
re-included on purpose by a `!` line that names it; a build with no .dockerignore at all
(dockerignore-missing reports that) or no context (stdin).

## Why it matters
Everything the .dockerignore lets through is uploaded to the builder on every build and,
with `COPY . .`, baked into a layer of the image for good. For an ML project that means
gigabytes of data and checkpoints (slow builds, huge images), the git history, and
`.env` files and keys that anyone who pulls the image can read. Notebooks, caches and
experiment logs change constantly and invalidate the layer cache of the copy.

## Example
```dockerfile
FROM python:3.11-slim
WORKDIR /app
COPY . .
```
with a `.dockerignore` of
```
*.pyc
.venv
```
and `.git/`, `.env`, `src/__pycache__/` and `data/` in the context.

## Instead
```
.git
.env
**/__pycache__
**/*.pyc
.venv
data
```

## Fix safety
Safe: the lines the message names are added at the end of the `.dockerignore`. Only
entries no `COPY`/`ADD` names are ever added (a file a copy takes by name, or from a
folder it names, stays in the context), so the image gets the same files minus the
unwanted ones the whole-context copy took.
"""

from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from posixpath import basename

from dlint.context import ContextEntry, Dockerignore
from dlint.finding import Edit, Fix, Position, Problem, Severity, Span
from dlint.model import Build
from dlint.rule import Rule

# A matcher returns the .dockerignore line that excludes an entry of its kind, or None.
Matcher = Callable[[ContextEntry, frozenset[str]], str | None]
MB = 1_000_000
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")
SHOWN = 3


def anywhere(path: str, pattern: str) -> str:
    """``pattern`` for an entry at the root, ``**/pattern`` for one further down."""
    return pattern if "/" not in path else f"**/{pattern}"


def named(*names: str) -> Matcher:
    """Files or folders with one of ``names``, anywhere in the context."""
    return lambda entry, _: (
        anywhere(entry.path, basename(entry.path)) if basename(entry.path) in names else None
    )


def files(*globs: str, min_size: int = 0) -> Matcher:
    """Files whose name matches one of ``globs``; templates such as ``.env.example`` are not."""

    def match(entry: ContextEntry, _: frozenset[str]) -> str | None:
        name = basename(entry.path)
        if entry.is_dir or entry.size < min_size or name.endswith(TEMPLATE_SUFFIXES):
            return None
        return next((anywhere(entry.path, g) for g in globs if fnmatchcase(name, g)), None)

    return match


def virtualenv(entry: ContextEntry, _: frozenset[str]) -> str | None:
    """A virtual environment, excluded by its own path."""
    return entry.path if entry.is_virtualenv else None


def root_folders(*names: str) -> Matcher:
    """Folders at the context root with one of ``names`` that are not Python packages."""

    def match(entry: ContextEntry, paths: frozenset[str]) -> str | None:
        package = f"{entry.path}/__init__.py" in paths
        return entry.path if entry.is_dir and entry.path in names and not package else None

    return match


CATEGORIES: tuple[tuple[str, tuple[Matcher, ...]], ...] = (
    ("version control history", (named(".git", ".hg", ".svn"),)),
    ("virtualenv", (virtualenv,)),
    (
        "Python cache",
        (
            named("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"),
            files("*.pyc", "*.pyo"),
        ),
    ),
    (
        "secret",
        (
            files(
                ".env",
                ".env.*",
                "*.pem",
                "*.key",
                "*.p12",
                "*.pfx",
                "id_rsa",
                "id_ed25519",
                "id_ecdsa",
                "id_dsa",
                "credentials.json",
                ".netrc",
                ".pypirc",
                ".git-credentials",
            ),
        ),
    ),
    ("notebook", (files("*.ipynb"), named(".ipynb_checkpoints"))),
    (
        "data or experiment folder",
        (
            root_folders(
                "data", "datasets", "mlruns", "wandb", "experiments", "lightning_logs", "outputs"
            ),
        ),
    ),
    (
        "model checkpoint",
        (
            files(
                "*.ckpt", "*.pt", "*.pth", "*.h5", "*.safetensors", "*.onnx", "*.pkl", "*.joblib"
            ),
            files("*.bin", min_size=MB),
        ),
    ),
)


def human_size(size: int) -> str:
    """``512 B``, ``12.4 MB``: decimal units, as ``docker build`` prints them."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def named_on_purpose(ignore: Dockerignore, path: str) -> bool:
    """True when a ``!`` line re-includes ``path`` itself, not only a folder above it."""
    return any(p.negated and p.regex.fullmatch(path) for p in ignore.patterns)


def message(kind: str, found: list[tuple[ContextEntry, str]], ignore: Dockerignore) -> str:
    """Name up to SHOWN paths with sizes, and the lines to add."""
    shown = ", ".join(f"'{e.path}' ({human_size(e.size)})" for e, _ in found[:SHOWN])
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    lines = list(dict.fromkeys(f"'{line}'" for _, line in found))
    verb = "is" if len(found) == 1 else "are"
    text = (
        f"{kind} {shown}{more} {verb} sent to the builder: add {', '.join(lines)} to {ignore.path}"
    )
    root_only = [
        f"'{p.pattern}'" for p in ignore.patterns if not p.negated and f"'**/{p.pattern}'" in lines
    ]
    if root_only:
        text += f" ({', '.join(root_only)} there only matches at the context root)"
    return text


def unwanted(
    build: Build, ignore: Dockerignore | None
) -> dict[str, list[tuple[ContextEntry, str]]]:
    """Per kind, the context entries a whole-context copy sends that ``ignore`` lets
    through, each with the line that would exclude it; none that a copy names itself."""
    context = build.context
    sources = build.dockerfile.context_sources
    if context is None or not any(s.whole_context for s in sources):
        return {}
    paths = frozenset(e.path for e in context.entries)
    found: dict[str, list[tuple[ContextEntry, str]]] = {}
    reported: list[str] = []
    for entry in context.entries:
        if any(entry.path.startswith(f"{folder}/") for folder in reported):
            continue
        for kind, matchers in CATEGORIES:
            line = next(filter(None, (m(entry, paths) for m in matchers)), None)
            if line is None:
                continue
            kept = ignore is not None and (
                ignore.excludes(entry.path) or named_on_purpose(ignore, entry.path)
            )
            if not (kept or any(s.needs(entry.path) for s in sources)):
                found.setdefault(kind, []).append((entry, line))
                reported += [entry.path] if entry.is_dir else []
            break
    return {kind: found[kind] for kind, _ in CATEGORIES if kind in found}


def lines_of(found: list[tuple[ContextEntry, str]]) -> list[str]:
    """The distinct .dockerignore lines of ``found``, in order."""
    return list(dict.fromkeys(line for _, line in found))


def ignore_changes(build: Build, lines: list[str]) -> tuple[str, ...]:
    """What the image loses when the context stops sending what ``lines`` exclude: those
    paths under each whole-context copy's destination; the .dockerignore itself is copied
    in (new or longer) unless it excludes itself."""
    changes: list[str] = []
    ignore = build.dockerignore
    for copy in build.dockerfile.copies:
        if not copy.whole_context:
            continue
        folder = copy.destination.rstrip("/")
        if ignore is None or not ignore.excludes(".dockerignore"):
            changes.append(f"files:{folder}/.dockerignore")
        for line in lines:
            pattern = line.strip().strip("/")
            if pattern and not pattern.startswith(("#", "!")):
                changes.append(f"removed:{folder}/{pattern}/**")
    return tuple(dict.fromkeys(changes))


def append_fix(ignore: Dockerignore, lines: list[str], build: Build) -> Fix:
    """Add ``lines`` at the end of the ignore file."""
    text_lines = ignore.text.split("\n")
    end = Position(len(text_lines), len(text_lines[-1].removesuffix("\r")) + 1)
    lead = "" if not ignore.text or ignore.text.endswith("\n") else "\n"
    added = lead + "".join(f"{line}\n" for line in lines)
    return Fix(
        "add the lines to the .dockerignore",
        (Edit(Span(end, end), added, ignore.path),),
        changes=ignore_changes(build, lines),
    )


def check(build: Build) -> Iterator[Problem]:
    """Yield one problem per kind of unwanted file that a whole-context copy takes."""
    ignore = build.dockerignore
    if ignore is None:
        return
    first_line = ignore.text.splitlines()[0] if ignore.text else ""
    span = Span.of(1, 1, 1, len(first_line) + 1)
    for kind, found in unwanted(build, ignore).items():
        fix = append_fix(ignore, lines_of(found), build)
        yield Problem(message(kind, found, ignore), span, fix, ignore.path)


RULE = Rule(
    id="D501",
    name="dockerignore-incomplete",
    severity=Severity.WARNING,
    summary="the .dockerignore lets .git, virtualenvs, secrets, data or checkpoints through",
    check=check,
    tags=("context", "security", "performance"),
    fixable=True,
)
