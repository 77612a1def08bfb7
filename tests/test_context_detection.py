"""Which folder is a Dockerfile's build context, when ``--context`` does not say.

Real projects build ``docker/Dockerfile`` from the repository root. dlint finds that the
way the project states it (compose file, GitHub workflow, ``docker build -f`` in a Makefile
or script, a ``.dockerignore`` above the Dockerfile), so it reads the right .dockerignore
and follows ``COPY requirements.txt`` into the right file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from helpers import run_dlint

from dlint.load import detect_context, load_build
from dlint.parse import parse_dockerfile

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
)


def repository(project, extra: dict[str, str]) -> Path:
    """A repository whose ``docker/Dockerfile`` copies the root's requirements.txt."""
    return project(
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "docker/Dockerfile": DOCKERFILE,
            "requirements.txt": "flask\n",
            **extra,
        }
    )


def findings(root: Path, *args: str) -> list[dict]:
    """``dlint check docker --format json`` from ``root``."""
    result = run_dlint("check", "docker", "--format", "json", *args, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def reason_of(root: Path, monkeypatch) -> tuple[str, str]:
    """The detected context of ``docker/Dockerfile`` (relative to ``root``) and its reason."""
    monkeypatch.chdir(root)
    dockerfile = Path("docker/Dockerfile")
    choice = detect_context(str(dockerfile))
    text = dockerfile.read_text()
    build = load_build(parse_dockerfile(text, "Dockerfile"), choice.folder, dockerfile)
    assert build.context is not None and build.context.reason == choice.reason
    return str(choice.folder), choice.reason


@pytest.mark.parametrize(
    ("hint", "reason"),
    [
        (
            {
                "compose.yaml": "services:\n  api:\n    build:\n      context: .\n"
                "      dockerfile: docker/Dockerfile\n"
            },
            "compose.yaml service 'api' builds it with context '.'",
        ),
        (
            {
                "docker/docker-compose.yml": "services:\n  web:\n    build: ..\n"
                "  db:\n    image: postgres:16\n"
            },
            "",
        ),
        (
            {
                "docker/docker-compose.yml": "services:\n  web:\n    build:\n      context: ..\n"
                "      dockerfile: docker/Dockerfile\n"
            },
            "docker/docker-compose.yml service 'web' builds it with context '..'",
        ),
        (
            {
                ".github/workflows/release.yml": "jobs:\n  image:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - uses: actions/checkout@v5\n"
                "      - name: build\n        uses: docker/build-push-action@v6\n"
                "        with:\n          context: .\n          file: docker/Dockerfile\n"
            },
            ".github/workflows/release.yml builds it with docker/build-push-action ('build'), "
            "context '.'",
        ),
        (
            {"Makefile": "image:\n\tdocker build -t api:dev \\\n\t  -f docker/Dockerfile .\n"},
            "Makefile runs 'docker build' on it with context '.'",
        ),
        (
            {
                "scripts/build.sh": "#!/bin/sh\nset -e\ndocker buildx build --platform "
                "linux/amd64 --file docker/Dockerfile --push .\n"
            },
            "scripts/build.sh runs 'docker build' on it with context '.'",
        ),
        (
            {".dockerignore": ".git\n"},
            "'.dockerignore' in a folder above it applies to this build",
        ),
    ],
)
def test_the_project_says_the_root_is_the_context(project, monkeypatch, hint, reason) -> None:
    """Each way a project states the context makes dlint read the root's files."""
    root = repository(project, hint)
    if not reason:  # a compose build of "docker/" itself: the Dockerfile's own folder
        assert reason_of(root, monkeypatch)[0] == "docker"
        return
    unpinned = [f for f in findings(root) if f["name"] == "requirements-unpinned"]
    assert [(f["file"], f["line"]) for f in unpinned] == [("requirements.txt", 1)]
    assert reason_of(root, monkeypatch) == (".", reason)


def test_root_dockerignore_is_no_longer_reported_missing(project) -> None:
    """``.dockerignore`` at the root applies to a root-context build of docker/Dockerfile."""
    root = repository(project, {".dockerignore": ".git\n"})
    assert "dockerignore-missing" not in {f["name"] for f in findings(root)}
    plain = repository(project, {})
    (plain / ".dockerignore").unlink()
    assert "dockerignore-missing" in {f["name"] for f in findings(plain)}


def test_context_option_still_wins(project, monkeypatch) -> None:
    """``--context`` overrides every hint, and the reason says so."""
    root = repository(
        project, {".dockerignore": ".git\n", "docker/requirements.txt": "flask==3.0.0\n"}
    )
    assert "requirements-unpinned" not in {f["name"] for f in findings(root, "--context", "docker")}


def test_own_dockerignore_keeps_the_own_folder(project, monkeypatch) -> None:
    """A Dockerfile beside its own .dockerignore is built from its folder."""
    root = repository(project, {".dockerignore": ".git\n", "docker/.dockerignore": "*.md\n"})
    assert reason_of(root, monkeypatch) == ("docker", "the Dockerfile's folder")


@pytest.mark.parametrize(
    "broken",
    [
        "services: [unclosed\n",
        "a: &a [*a, *a]\nservices: *a\n",
        "\xff\xfe not utf-8",
        "services:\n  api:\n    build:\n      context: ${CTX}\n",
        "- just\n- a list\n",
    ],
)
def test_a_broken_compose_file_never_fails_the_run(project, monkeypatch, broken) -> None:
    """Unparsable, hostile or templated compose files are skipped, quickly."""
    root = repository(project, {})
    (root / "compose.yaml").write_bytes(broken.encode("latin-1"))
    start = time.monotonic()
    result = run_dlint("check", "docker", cwd=root)
    assert time.monotonic() - start < 30
    assert result.returncode == 1 and result.stderr == b""
    assert reason_of(root, monkeypatch) == ("docker", "the Dockerfile's folder")


def test_a_huge_compose_file_is_not_read(project, monkeypatch) -> None:
    """Hint files over 1 MB are skipped."""
    compose = "services:\n  api:\n    build: {context: ., dockerfile: docker/Dockerfile}\n"
    root = repository(project, {"compose.yaml": compose + "#" * 1_100_000 + "\n"})
    assert reason_of(root, monkeypatch) == ("docker", "the Dockerfile's folder")
