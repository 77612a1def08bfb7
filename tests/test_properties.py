"""Properties of ``dlint check`` on generated builds, run in-process for a bounded time.

A generated build is a Dockerfile (an ML service with random variations, or one of the
differential test's odd Dockerfiles), a ``.dockerignore`` and a requirements file in a
temporary context. For every one of them:

- no exception escapes the check run: the exit code is 0, 1 or 2 and errors are lines;
- every finding lies inside its file (line in range, column within the line + 1);
- every output format renders and parses (JSON, SARIF and GitLab as JSON, JUnit and
  Checkstyle as XML);
- ``--fix`` leaves a Dockerfile that still parses, and a second ``--fix`` changes nothing.

``DLINT_PROPERTY_EXAMPLES`` raises the number of examples for a longer local run.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential import dockerfiles as odd_dockerfiles

from dlint.checkrun import CheckOptions, run_check
from dlint.engine import Target, check_targets
from dlint.parse import DockerfileSyntaxError, parse_dockerfile, split_lines
from dlint.report import FORMATS, RunInfo, render
from dlint.rule import all_rules

PROPERTY = settings(
    max_examples=int(os.environ.get("DLINT_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),  # as in test_differential
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ML_LINES = st.sampled_from(
    [
        "ARG PYTHON=3.11",
        "ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1",
        "ENV PIP_NO_CACHE_DIR=1",
        "WORKDIR /app",
        "COPY requirements.txt .",
        "COPY . .",
        "COPY --chown=10001:10001 src/ /app/src/",
        "RUN pip install -r requirements.txt",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "RUN pip install torch==2.3.0 numpy",
        "RUN python -m pip install --upgrade pip",
        "RUN apt-get update && apt-get install -y gcc libgomp1",
        "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88 \\\n"
        "    && rm -rf /var/lib/apt/lists/*",
        "RUN if true; then pip install flask; fi",
        "RUN <<EOF\npip install uvicorn\napt-get install -y git\nEOF",
        'RUN ["pip", "install", "fastapi==0.112.0"]',
        "RUN useradd --uid 10001 app",
        "USER 10001:10001",
        "USER root",
        "EXPOSE 8000",
        "HEALTHCHECK CMD curl -f http://127.0.0.1:8000/health || exit 1",
        'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]',
        "CMD python app.py",
        "ENTRYPOINT uvicorn app:app",
        "# dlint ignore=pip-unpinned",
        "# hadolint ignore=DL3008",
        "# dlint ignore=no-such-rule",
        "# notes\x0cwith\u2028characters\x85that\x1csplitlines\rbreaks at",
        "ONBUILD RUN pip install flask",
        "",
    ]
)
BASES = st.sampled_from(
    [
        "python:3.11-slim",
        "python:${PYTHON}-slim",
        "python",
        "nvidia/cuda:12.1.0-devel-ubuntu22.04",
        "ghcr.io/acme/base:1.2@sha256:abc",
        "scratch",
    ]
)


@st.composite
def ml_dockerfiles(draw: st.DrawFn) -> str:
    """An ML service Dockerfile: one or two stages of typical lines in random order."""
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    lines = []
    for stage in range(draw(st.integers(1, 2))):
        lines.append(f"FROM {draw(BASES)} AS stage{stage}")
        lines += draw(st.lists(ML_LINES, max_size=10))
    return newline.join(lines).replace("\n", newline) + newline


DOCKERIGNORE = st.lists(
    st.sampled_from(
        [".git", ".venv", "**/__pycache__", "*.ipynb", "data/", "!data/keep", "*.ckpt"]
    ),
    max_size=5,
).map(lambda lines: "\n".join(lines) + "\n")
REQUIREMENTS = st.lists(
    st.sampled_from(
        ["flask==3.0.3", "torch>=2", "numpy", "-r base.txt", "-c constraints.txt", "# note", ""]
    ),
    max_size=6,
).map(lambda lines: "\n".join(lines) + "\n")
BUILDS = st.tuples(st.one_of(ml_dockerfiles(), odd_dockerfiles()), DOCKERIGNORE, REQUIREMENTS)


def write_build(root: Path, build: tuple[str, str, str]) -> Path:
    """Write the Dockerfile, .dockerignore and requirements into ``root``; the Dockerfile."""
    dockerfile, ignore, requirements = build
    for name, text in (
        ("Dockerfile", dockerfile),
        (".dockerignore", ignore),
        ("requirements.txt", requirements),
        ("base.txt", "requests\n"),
        ("constraints.txt", "urllib3==2.2.2\n"),
    ):
        with (root / name).open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return root / "Dockerfile"


def check(options: CheckOptions) -> tuple[int, str, str]:
    """Run ``dlint check`` in-process; exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = run_check(options, out, err)
    return code, out.getvalue(), err.getvalue()


def assert_inside(file: Path, line: int, column: int) -> None:
    """``line:column`` is a place in ``file`` (the column may be just past the line's end)."""
    with file.open(encoding="utf-8", newline="") as handle:
        lines = split_lines(handle.read())
    assert 1 <= line <= len(lines), (file.name, line, len(lines))
    assert 1 <= column <= len(lines[line - 1].removesuffix("\r")) + 1, (file.name, line, column)


@PROPERTY
@given(BUILDS)
def test_check_never_raises_and_places_findings_inside_their_files(build) -> None:
    """Exit code 0/1/2, errors as lines, every finding and fix edit placed inside its file."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        dockerfile = write_build(root, build)
        code, _, err = check(CheckOptions(paths=(str(dockerfile),), isolated=True))
        assert code in (0, 1, 2)
        assert all(line.startswith("dlint: error: ") for line in err.splitlines()), err
        result = check_targets([Target(str(dockerfile), dockerfile, root)])
        for finding in result.findings:
            file = Path(finding.file)
            assert file.resolve().parent == root.resolve(), finding.file
            assert (finding.line, finding.column) <= (finding.end_line, finding.end_column)
            assert_inside(file, finding.line, finding.column)
            assert_inside(file, finding.end_line, finding.end_column)
            for edit in finding.fix.edits if finding.fix else ():
                start = edit.span.start
                assert_inside(Path(edit.file or finding.file), start.line, start.column)


@PROPERTY
@given(BUILDS)
def test_every_format_renders_and_parses(build) -> None:
    """JSON, SARIF and GitLab are JSON; JUnit and Checkstyle are XML; text formats render."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        dockerfile = write_build(root, build)
        result = check_targets([Target(str(dockerfile), dockerfile, root)])
        run = RunInfo(tuple(result.files), all_rules())
        for name in FORMATS:
            text = render(name, result.findings, run)
            if name in ("json", "sarif", "gitlab"):
                json.loads(text)
            elif name in ("junit", "checkstyle"):
                ElementTree.fromstring(text)
            else:
                assert isinstance(text, str)
            if name == "json":
                assert len(json.loads(text)) == len(result.findings)


@PROPERTY
@given(BUILDS)
def test_fix_output_parses_and_a_second_fix_changes_nothing(build) -> None:
    """--fix (unsafe fixes too) keeps the Dockerfile parseable and is idempotent."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        dockerfile = write_build(root, build)
        try:
            parse_dockerfile(build[0], "Dockerfile")
            parsed = True
        except DockerfileSyntaxError:
            parsed = False
        options = CheckOptions(paths=(str(dockerfile),), isolated=True, fix=True, unsafe_fixes=True)
        first, _, _ = check(options)
        fixed = dockerfile.read_bytes()
        if parsed:
            parse_dockerfile(fixed.decode("utf-8"), "Dockerfile")
        second, _, err = check(options)
        assert dockerfile.read_bytes() == fixed
        assert "fixed" not in err
        assert first in (0, 1, 2) and second in (0, 1, 2)
