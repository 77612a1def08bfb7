"""``dlint init [DIR]``: a starter ``dlint-test.yaml`` read from the project itself.

The Dockerfile says the port (``EXPOSE``, the server's bind), the user, the health check
and what the image starts; the application code (read with :mod:`ast`, never run) says
the routes: a health path, a predict route and the JSON keys it reads, the feature count
where a constant names it, and a test hook that delays a prediction (for the
graceful-stop proof). A fully pinned requirements file becomes the lock the installed
versions are compared with. ``.dockerignore`` and ``.dlint.yaml`` are written when
missing. Nothing is overwritten without ``--force``; the spec is validated before it is
written.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from dlint.app import App, PythonFile, Server
from dlint.load import InputError, load_build, read_text
from dlint.model import Build, Dockerfile, Stage
from dlint.parse import DockerfileSyntaxError, parse_dockerfile

EXIT_OK = 0
EXIT_CANNOT = 2
HEALTH_PATHS = ("/health", "/healthz", "/ready", "/readyz", "/livez", "/ping", "/_health")
PREDICT_WORDS = ("predict", "infer", "invocations", "classify", "score", "generate")
PRODUCTION_SERVER = {"flask": "gunicorn", "flask run": "gunicorn", "fastapi": "uvicorn"}
DOCKERIGNORE = """\
# Written by dlint init: keep the build context to what the image needs.
.git
.github
**/__pycache__
**/*.py[cod]
.venv
venv
.env
*.pem
*.key
**/.ipynb_checkpoints
.pytest_cache
.mypy_cache
dlint-test.yaml
"""
DLINT_CONFIG = """\
# Written by dlint init; every option: the README's "Configuration" section.
select: [ALL]
failure-threshold: style
"""
HEADER = """\
# Starter spec written by `dlint init`; schema and every key: docs/test-spec.md.
# Review it: each value below was read from the Dockerfile and the application code.
"""


@dataclass(frozen=True)
class Route:
    """A route the application code declares."""

    path: str
    methods: tuple[str, ...]
    keys: tuple[str, ...] = ()
    """JSON keys the handler reads from the request (``data["features"]``)."""


@dataclass
class Project:
    """What ``dlint init`` learnt about the project."""

    port: int = 8000
    healthcheck: bool = False
    routes: list[Route] = field(default_factory=list)
    feature_count: int | None = None
    delay_hook: str | None = None
    user: str | None = None
    pid1: str | None = None
    lock: str | None = None
    edit: str | None = None
    install_marker: str | None = None
    notes: list[str] = field(default_factory=list)


def _final(dockerfile: Dockerfile) -> Stage:
    stage = dockerfile.final_stage
    assert stage is not None
    return stage


def _exposed_port(stage: Stage) -> int | None:
    for instruction in stage.of("EXPOSE"):
        match = re.match(r"\s*(\d+)", instruction.value)
        if match:
            return int(match[1])
    return None


def _server_port(server: Server | None) -> int | None:
    text = server.port.text if server is not None and server.port is not None else None
    return int(text) if text is not None and text.isdigit() else None


def _routes(file: PythonFile) -> list[Route]:
    try:
        tree = ast.parse(file.source.text)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            route = _route(decorator, node)
            if route is not None:
                found.append(route)
    return found


def _route(decorator: ast.expr, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Route | None:
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    verb = decorator.func.attr.lower()
    if verb not in ("route", "get", "post", "put", "api_route") or not decorator.args:
        return None
    first = decorator.args[0]
    if not isinstance(first, ast.Constant) or not str(first.value).startswith("/"):
        return None
    methods: tuple[str, ...] = ("GET",) if verb in ("route", "api_route") else (verb.upper(),)
    for keyword in decorator.keywords:
        if keyword.arg == "methods" and isinstance(keyword.value, ast.List | ast.Tuple):
            methods = tuple(
                str(e.value).upper() for e in keyword.value.elts if isinstance(e, ast.Constant)
            )
    keys = tuple(dict.fromkeys(_json_keys(function)))
    return Route(str(first.value), methods, keys)


def _json_keys(function: ast.AST) -> list[str]:
    """String keys the handler reads: ``x["features"]`` and ``x.get("features")``."""
    keys = []
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if isinstance(node.slice.value, str):
                keys.append(node.slice.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not _is_environ(node.func.value)
        ):
            keys.append(node.args[0].value)
    return [k for k in keys if k.isidentifier()]


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _scan_code(text: str, project: Project) -> None:
    """Feature count (``FEATURE_COUNT = 4``) and a delay hook (``..._DELAY_SECONDS``)."""
    match = re.search(
        r"^\s*(?:N_)?(?:FEATURE_COUNT|N_FEATURES|NUM_FEATURES)\s*=\s*(\d+)", text, re.MULTILINE
    )
    if match and project.feature_count is None:
        project.feature_count = int(match[1])
    hook = re.search(r"""environ(?:\.get)?\(\s*["']([A-Z_]*DELAY[A-Z_]*)["']""", text)
    if hook and project.delay_hook is None:
        project.delay_hook = hook[1]


def _sibling_sources(directory: Path, app: App) -> list[str]:
    """Text of the entry file and the Python files beside it (validation helpers)."""
    texts = [f.source.text for f in app.files]
    for file in app.files[:1]:
        folder = Path(file.source.path).parent
        if not folder.is_absolute():
            folder = Path.cwd() / folder
        for path in sorted(folder.glob("*.py"))[:20]:
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return texts


def _user(stage: Stage) -> str | None:
    users = stage.of("USER")
    return users[-1].value.strip() if users else None


def _lock(build: Build, directory: Path) -> str | None:
    """The first installed requirements file whose every requirement is pinned with ``==``."""
    for requirements in build.requirements:
        entries = [r for r in requirements.requirements if r.kind != "invalid"]
        if entries and all(r.pinned for r in entries) and not requirements.constraint:
            path = Path(requirements.path)
            try:
                return str(path.resolve().relative_to(directory.resolve()))
            except ValueError:
                continue
    return None


def _install_marker(dockerfile: Dockerfile, lock: str | None) -> str | None:
    """Text of the step that installs the dependencies, for the cached-rebuild proof."""
    for instruction in dockerfile.instructions:
        if instruction.keyword.upper() != "RUN":
            continue
        for word in ("-r ", "requirements", "pip install", "uv pip", "poetry install"):
            if word in instruction.value:
                if lock and posixpath.basename(lock) in instruction.value:
                    return posixpath.basename(lock)
                match = re.search(r"-r\s+(\S+)", instruction.value)
                return posixpath.basename(match[1]) if match else word.strip()
    return None


def _context_path(directory: Path, display: str) -> str | None:
    path = Path(display)
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        return str(path.resolve().relative_to(directory.resolve()))
    except ValueError:
        return None


def read_project(directory: Path, dockerfile_path: Path) -> Project:
    """Everything ``dlint init`` can tell about the project in ``directory``."""
    dockerfile = parse_dockerfile(read_text(dockerfile_path), str(dockerfile_path))
    build = load_build(dockerfile, directory, dockerfile_path)
    final = _final(dockerfile)
    project = Project()
    app = build.app
    server = app.servers[0] if app is not None and app.servers else None
    port = _server_port(server) or _exposed_port(final)
    if port is None:
        project.notes.append("port: no EXPOSE or server bind found; 8000 is a guess")
    project.port = port or 8000
    project.healthcheck = bool(final.of("HEALTHCHECK"))
    project.user = _user(final)
    if server is not None:
        if server.dev:
            project.pid1 = PRODUCTION_SERVER.get(server.kind, "gunicorn")
            project.notes.append(
                f"pid1: the image starts {server.what}, a development server; the spec "
                f"expects {project.pid1}"
            )
        else:
            project.pid1 = server.kind.split()[0]
    if app is not None:
        for file in app.files:
            project.routes += _routes(file)
        for text in _sibling_sources(directory, app):
            _scan_code(text, project)
        if app.entry is not None:
            project.edit = _context_path(directory, app.entry.source.path)
    project.lock = _lock(build, directory)
    project.install_marker = _install_marker(dockerfile, project.lock)
    return project


def _health_path(project: Project) -> str | None:
    paths = [r.path for r in project.routes if "GET" in r.methods]
    for wanted in HEALTH_PATHS:
        if wanted in paths:
            return wanted
    return None


def _predict_route(project: Project) -> Route | None:
    for route in project.routes:
        if "POST" in route.methods and any(w in route.path.lower() for w in PREDICT_WORDS):
            return route
    return None


def _example(project: Project, route: Route) -> dict[str, Any]:
    key = next(
        (k for k in route.keys if k in ("features", "instances", "inputs", "data")),
        route.keys[0] if route.keys else "features",
    )
    row = [0.5] * (project.feature_count or 4)
    return {key: [row] if key == "instances" else row}


def spec_data(project: Project) -> dict[str, Any]:
    """The spec as data, in the order the file shows it."""
    health = _health_path(project)
    service: dict[str, Any] = {"port": project.port}
    # 120 s, not the schema's 60: the generated reference spec's extra containers took
    # longer than 60 s to answer on the shared CI machine at load average 17-19.
    readiness: dict[str, Any] = {"timeout": 120}
    # A known health route is asked directly: the image's HEALTHCHECK probe has its own
    # timeout (often 3 s), which a loaded CI machine exceeds. Without one, the HEALTHCHECK.
    if health or not project.healthcheck:
        readiness["http"] = health or "/"
    service["readiness"] = readiness
    inside: dict[str, Any] = {"user": _user_expectation(project.user)}
    if project.pid1:
        inside["pid1"] = project.pid1
    inside["files_absent"] = ["/root/.cache/pip"]
    inside["commands_absent"] = ["gcc", "make"]
    if project.lock:
        inside["packages_lock"] = project.lock
    data: dict[str, Any] = {"version": 1, "service": service, "inside": inside}
    http: list[dict[str, Any]] = []
    if health:
        http.append(
            {
                "name": "health",
                "request": {"method": "GET", "path": health},
                "expect": {"status": 200, "max_ms": 1000},
            }
        )
    predict = _predict_route(project)
    exchange = None
    if predict is not None:
        exchange = {
            "request": {"method": "POST", "path": predict.path, "json": _example(project, predict)},
            "expect": {"status": 200},
        }
        http.append({"name": "predict", **exchange})
        http.append(
            {
                "name": "malformed-json",
                "request": {
                    "method": "POST",
                    "path": predict.path,
                    "headers": {"Content-Type": "application/json"},
                    "body": '{"features": [1,',
                },
                "expect": {"status": 400},
            }
        )
        http.append(
            {
                "name": "missing-input",
                "request": {"method": "POST", "path": predict.path, "json": {}},
                "expect": {"status": 400},
            }
        )
    http.append(
        {
            "name": "unknown-path",
            "request": {"method": "GET", "path": "/dlint-no-such-path"},
            "expect": {"status": 404},
        }
    )
    data["http"] = http
    data["image_report"] = {"forbid_paths": ["*/.git", "/root/.cache/pip"]}
    runtime: dict[str, Any] = {}
    if project.edit and project.install_marker:
        runtime["cached_rebuild"] = {
            "edit": project.edit,
            "expect_cached": [project.install_marker],
        }
    if exchange is not None and project.delay_hook:
        runtime["graceful_stop"] = {
            "env": {project.delay_hook: "3"},
            "stop_after": 1,
            "grace": 10,
            "exchange": exchange,
        }
    probe = exchange or (http[0] if health else None)
    if probe is not None:
        runtime["arbitrary_uid"] = {
            "user": "12345:0",
            "exchange": {"request": probe["request"], "expect": probe["expect"]},
        }
    if runtime:
        data["runtime"] = runtime
    return data


def _user_expectation(user: str | None) -> dict[str, int]:
    if user is None:
        return {}
    uid, _, gid = user.partition(":")
    found = {}
    if uid.isdigit() and int(uid) > 0:
        found["uid"] = int(uid)
    if gid.isdigit():
        found["gid"] = int(gid)
    return found


class _PlainDumper(yaml.SafeDumper):
    """Writes a shared exchange out each time: the file reads without YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        """Never an alias."""
        return True


def spec_text(project: Project) -> str:
    """The spec file: a header, what init guessed, then the YAML."""
    notes = "".join(f"# note: {note}\n" for note in project.notes)
    body = yaml.dump(
        spec_data(project),
        Dumper=_PlainDumper,
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )
    return HEADER + notes + body


def find_dockerfile(directory: Path) -> Path | None:
    """``Dockerfile`` (or ``Containerfile``) at the top of the project."""
    for name in ("Dockerfile", "Containerfile", "dockerfile"):
        if (directory / name).is_file():
            return directory / name
    return None


def run_init(directory: Path, force: bool, out: TextIO, err: TextIO) -> int:
    """Write the starter files into ``directory``; 0 done, 2 cannot (one line why)."""
    from dlint.harness.spec import SpecError, load_spec

    def fail(message: str) -> int:
        print(f"dlint: error: {message}", file=err)
        return EXIT_CANNOT

    if not directory.is_dir():
        return fail(f"{directory}: not a directory")
    dockerfile = find_dockerfile(directory)
    if dockerfile is None:
        return fail(f"{directory}: no Dockerfile to read (dlint init needs one)")
    spec_path = directory / "dlint-test.yaml"
    existing = [p for p in (spec_path, directory / "dlint-test.yml") if p.exists()]
    if existing and not force:
        return fail(f"{existing[0]} exists; pass --force to overwrite it")
    try:
        project = read_project(directory, dockerfile)
    except (InputError, DockerfileSyntaxError) as error:
        return fail(f"{dockerfile}: {error}")
    text = spec_text(project)
    scratch = directory / ".dlint-init-check.yaml"
    try:
        scratch.write_text(text, encoding="utf-8")
        load_spec(scratch, directory)
    except SpecError as error:
        return fail(f"the spec dlint init made is invalid (please report it): {error}")
    except OSError as error:
        return fail(f"{directory}: cannot write: {error.strerror or error}")
    finally:
        scratch.unlink(missing_ok=True)
    written = [_write(spec_path, text)]
    if (
        not (directory / ".dockerignore").exists()
        and not Path(f"{dockerfile}.dockerignore").exists()
    ):
        written.append(_write(directory / ".dockerignore", DOCKERIGNORE))
    configs = (".dlint.yaml", ".dlint.yml")
    if not any((directory / name).exists() for name in configs):
        written.append(_write(directory / ".dlint.yaml", DLINT_CONFIG))
    for path in written:
        print(f"wrote {path}", file=out)
    for note in project.notes:
        print(f"note: {note}", file=out)
    print(f"next: dlint test {directory}", file=out)
    return EXIT_OK


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
