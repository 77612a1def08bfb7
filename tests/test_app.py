"""dlint.app and dlint.appload: the start command, the code it runs, and safe reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dlint.load import load_build
from dlint.model import Build
from dlint.parse import parse_dockerfile


def build_in(root: Path, dockerfile: str, files: dict[str, str] | None = None) -> Build:
    """A build of ``dockerfile`` with ``files`` written into the context ``root``."""
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "Dockerfile").write_text(dockerfile)
    return load_build(parse_dockerfile(dockerfile, "Dockerfile"), root, root / "Dockerfile")


FLASK_APP = 'from flask import Flask\napp = Flask(__name__)\napp.run(host="0.0.0.0")\n'


def test_exec_in_an_entrypoint_script_resolves_to_the_cmd(tmp_path: Path, monkeypatch) -> None:
    """tini, then a script on PATH that ends in exec "$@", then the CMD: python runs app.py."""
    monkeypatch.chdir(tmp_path)
    build = build_in(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /srv\nCOPY entrypoint.sh /usr/local/bin/\n"
        "COPY app.py .\n"
        'ENTRYPOINT ["tini", "--", "entrypoint.sh"]\nCMD ["python", "app.py"]\n',
        {"entrypoint.sh": '#!/bin/sh\nset -e\necho starting\nexec "$@"\n', "app.py": FLASK_APP},
    )
    app = build.app
    assert app is not None
    assert app.start.init is not None and app.start.init.text == "tini"
    assert app.start.script is not None and app.start.script.source.path == "entrypoint.sh"
    assert app.start.launch is not None and app.start.launch.argv == ["python", "app.py"]
    assert [s.kind for s in app.servers] == ["flask"]
    assert app.servers[0].host is not None and app.servers[0].host.text == "0.0.0.0"


def test_a_script_that_does_not_exec_keeps_the_shell(tmp_path: Path, monkeypatch) -> None:
    """The last command of the script runs as the shell's child."""
    monkeypatch.chdir(tmp_path)
    build = build_in(
        tmp_path,
        'FROM python:3.11-slim\nCOPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n',
        {"start.sh": "#!/bin/bash\ngunicorn -b 0.0.0.0:8000 app:app\n"},
    )
    app = build.app
    assert app is not None and app.start.launch is not None
    assert app.start.launch.argv[0] == "gunicorn" and not app.start.launch.replaces
    assert app.start.launch.file == "start.sh"


def test_gunicorn_module_through_copy_from_a_builder(tmp_path: Path, monkeypatch) -> None:
    """COPY --from a stage that copied the code from the context still finds the file."""
    monkeypatch.chdir(tmp_path)
    build = build_in(
        tmp_path,
        "FROM python:3.11 AS build\nCOPY src /build/src\n"
        "FROM python:3.11-slim\nCOPY --from=build /build /app\nWORKDIR /app\n"
        'CMD ["gunicorn", "-w", "2", "src.api:app"]\n',
        {
            "src/__init__.py": "",
            "src/api.py": "import signal\nfrom . import jobs\n",
            "src/jobs.py": "",
        },
    )
    app = build.app
    assert app is not None
    paths = [f.path for f in app.files]
    assert paths[0] == "src/api.py" and "src/jobs.py" in paths
    assert app.files[0].module == "src.api" and "src.jobs" in app.files[0].imports


def test_files_outside_the_context_or_too_large_are_unknown(tmp_path: Path, monkeypatch) -> None:
    """A symlink out of the context, a huge file and a binary file are never read."""
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside.py"
    outside.write_text(FLASK_APP)
    context = tmp_path / "ctx"
    context.mkdir()
    os.symlink(outside, context / "link.py")
    (context / "big.py").write_text("x = 1\n" * 200_000)
    (context / "bin.py").write_bytes(b"\0\1\2")
    for name in ("link.py", "big.py", "bin.py"):
        build = build_in(
            context, f'FROM python:3.11-slim\nCOPY . /app\nCMD ["python", "/app/{name}"]\n'
        )
        app = build.app
        assert app is not None and app.files == (), name


@pytest.mark.parametrize(
    "text",
    ["def f(:\n", "x = (" * 300 + ")" * 300 + "\n", "\xef\xbb\xbfimport os\n"],
    ids=["syntax-error", "deep-nesting", "odd-text"],
)
def test_code_that_does_not_parse_is_unknown_not_an_error(
    tmp_path: Path, monkeypatch, text: str
) -> None:
    """Reading the app never raises."""
    monkeypatch.chdir(tmp_path)
    build = build_in(
        tmp_path,
        'FROM python:3.11-slim\nCOPY a.py /a.py\nCMD ["python", "/a.py"]\n',
        {"a.py": text},
    )
    app = build.app
    assert app is not None and app.servers == ()


def test_no_context_means_the_command_line_only(tmp_path: Path) -> None:
    """Without a context, servers named on the command line are still known."""
    text = 'FROM python:3.11-slim\nCMD ["uvicorn", "main:app", "--reload"]\n'
    build = load_build(parse_dockerfile(text, "Dockerfile"), None, None)
    assert build.app is None
    from dlint.app import build_app

    app = build_app(build.dockerfile)
    assert [(s.kind, s.dev) for s in app.servers] == [("uvicorn", True)]


FLASK_CHAPTER_APP = """\
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/predict", methods=["POST"])
def predict():
    return jsonify(prediction=sum(request.json["features"]))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
"""

CHAPTER_BUILDS = {
    "single-stage": (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        'EXPOSE 5000\nCMD ["python", "app.py"]\n',
        {"app.py": FLASK_CHAPTER_APP, "requirements.txt": "flask==3.0.3\n"},
        {"dev-server", "pid1-signals", "requirements-not-locked"},
    ),
    "layer-ordered": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nEXPOSE 5000\n"
        'CMD ["python", "app.py"]\n',
        {"app.py": FLASK_CHAPTER_APP, "requirements.txt": "flask==3.0.3\n"},
        {"dev-server", "pid1-signals", "requirements-not-locked"},
    ),
    "cuda": (
        "FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends python3-pip "
        "&& rm -rf /var/lib/apt/lists/*\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip3 install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'CMD ["python3", "app.py"]\n',
        {"app.py": FLASK_CHAPTER_APP, "requirements.txt": "flask==3.0.3\ntorch==2.3.1\n"},
        {
            "dev-server",
            "pid1-signals",
            "requirements-not-locked",
            "cuda-devel-final",
            "cuda-mismatch",
        },
    ),
    "two-stage production": (
        "FROM python:3.11 AS builder\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --user --no-cache-dir -r requirements.txt\n\n"
        "FROM python:3.11-slim\nRUN useradd --create-home appuser\nWORKDIR /app\n"
        "COPY --from=builder /root/.local /home/appuser/.local\nCOPY . .\n"
        "RUN chown -R appuser:appuser /app\nUSER appuser\n"
        "ENV PATH=/home/appuser/.local/bin:$PATH\nEXPOSE 5000\n"
        "HEALTHCHECK --interval=30s --timeout=3s \\\n"
        "    CMD curl -f http://localhost:5000/health || exit 1\n"
        'CMD ["python", "src/app.py"]\n',
        {
            "src/app.py": FLASK_CHAPTER_APP,
            "requirements.txt": "flask==3.0.3\nscikit-learn==1.5.0\n",
        },
        {
            *("dev-server", "pid1-signals", "chown-copy", "code-writable-by-runtime-user"),
            *("requirements-not-locked", "healthcheck-tool-missing"),
        },
    ),
}


@pytest.mark.parametrize("name", CHAPTER_BUILDS)
def test_chapter_dockerfiles_get_the_serving_findings(
    name: str, tmp_path: Path, monkeypatch
) -> None:
    """The chapter-style Dockerfiles of issue 12, each with its app.py, with every rule on."""
    from dlint.engine import Target, check_targets

    monkeypatch.chdir(tmp_path)
    dockerfile, files, wanted = CHAPTER_BUILDS[name]
    build_in(tmp_path, dockerfile, files)
    result = check_targets([Target("Dockerfile", tmp_path / "Dockerfile", tmp_path)])
    assert not result.errors
    serving = {f.name for f in result.findings if f.rule.startswith("D6")}
    assert serving == wanted


def test_reading_is_bounded(tmp_path: Path, monkeypatch) -> None:
    """A module that imports a hundred local modules: only MAX_FILES are read."""
    from dlint.app import MAX_FILES

    monkeypatch.chdir(tmp_path)
    files = {f"pkg/m{i}.py": "" for i in range(100)}
    files["pkg/__init__.py"] = ""
    files["main.py"] = "".join(f"import pkg.m{i}\n" for i in range(100))
    build = build_in(
        tmp_path, 'FROM python:3.11-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n', files
    )
    app = build.app
    assert app is not None and len(app.files) == MAX_FILES


@pytest.mark.parametrize(
    ("last_line", "program", "replaces"),
    [
        ('exec gosu app "$@"', "gunicorn", True),
        ("exec env PORT=8000 uvicorn main:app", "uvicorn", True),
        ("uvicorn main:app", "uvicorn", False),
    ],
)
def test_entrypoint_script_exec_forms(
    tmp_path: Path, monkeypatch, last_line: str, program: str, replaces: bool
) -> None:
    """exec through gosu and env still replaces the shell; a plain last command does not."""
    monkeypatch.chdir(tmp_path)
    build = build_in(
        tmp_path,
        "FROM python:3.11-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["gunicorn", "app:app"]\n',
        {"docker-entrypoint.sh": f"#!/bin/bash\nset -euo pipefail\n{last_line}\n"},
    )
    app = build.app
    assert app is not None and app.start.launch is not None
    assert app.start.launch.program == program
    assert app.start.script is not None and app.start.script.last is not None
    assert app.start.script.last.replaces is replaces


def test_production_dockerfile_as_the_chapter_writes_it(tmp_path: Path, monkeypatch) -> None:
    """Issue 12's two-stage production Dockerfile, with its lower-case ``as builder``: the
    serving findings, and BuildKit's FromAsCasing (from-as-casing) at the ``as``."""
    from dlint.engine import Target, check_targets

    monkeypatch.chdir(tmp_path)
    dockerfile, files, wanted = CHAPTER_BUILDS["two-stage production"]
    build_in(tmp_path, dockerfile.replace(" AS builder", " as builder"), files)
    result = check_targets([Target("Dockerfile", tmp_path / "Dockerfile", tmp_path)])
    names = {f.name for f in result.findings}
    assert wanted <= names and "from-as-casing" in names
    casing = next(f for f in result.findings if f.name == "from-as-casing")
    assert (casing.line, casing.column) == (1, 18)
