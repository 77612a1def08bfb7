"""BuildKit builds: the rawjson progress stream, the classic fallback, and real builds.

The Docker tests build a small service whose Dockerfile needs BuildKit (heredocs, a pip
cache mount, a secret mount, COPY --chmod, a # syntax= line) and run ``dlint test`` on it.
"""

import base64
import json
import re
from pathlib import Path

import pytest

from dlint.harness import buildkit
from dlint.harness.docker_ops import BuildOptions, classic_limits
from dlint.parse import parse_dockerfile

MULTI_STAGE = """\
FROM python:3.11-slim AS Builder
ENV PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
RUN --mount=type=cache,target=/root/.cache/pip <<EOT
/opt/venv/bin/pip install six==1.16.0
EOT
FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY app.py .
CMD ["python", "app.py"]
"""


def _vertex(digest: str, name: str, **state: object) -> dict:
    return {"vertexes": [{"digest": digest, "name": name, **state}]}


def _stream(*events: dict) -> list[str]:
    """The events as buildx writes them: indented JSON over several lines each."""
    lines: list[str] = []
    for event in events:
        lines.extend(f"{line}\n" for line in json.dumps(event, indent=2).split("\n"))
    return lines


def _follow(dockerfile: str, *events: dict) -> tuple[buildkit.Progress, list[str]]:
    emitted: list[str] = []
    progress = buildkit.Progress(parse_dockerfile(dockerfile, "Dockerfile"), emitted.append)
    text: list[str] = []
    for event in buildkit.json_objects(_stream(*events), text):
        progress.feed(event)
    progress.text = text
    return progress, emitted


def test_steps_are_numbered_as_in_the_file_and_cached_ones_reported():
    started = {"started": "2026-12-02T00:31:23Z"}
    progress, emitted = _follow(
        MULTI_STAGE,
        _vertex("a", "[internal] load build definition from Dockerfile", **started),
        _vertex("b", "[builder 1/3] FROM docker.io/library/python:3.11-slim", **started),
        _vertex("c", "[builder 2/3] RUN python -m venv /opt/venv", cached=True, **started),
        _vertex(
            "d",
            "[builder 3/3] RUN --mount=type=cache,target=/root/.cache/pip <<EOT (/opt/venv...)",
            cached=True,
            **started,
        ),
        _vertex("e", "[stage-1 2/4] WORKDIR /app", cached=True, **started),
        _vertex("f", "[stage-1 4/4] COPY app.py .", **started),
        _vertex("f", "[stage-1 4/4] COPY app.py .", completed="2026-12-02T00:31:24Z", **started),
    )
    steps = progress.steps()
    assert [(step.number, step.cached) for step in steps] == [
        (3, True),
        (4, True),
        (6, True),
        (8, False),
    ]
    # The heredoc's body is part of the step, so expect_cached can name what it installs.
    assert "pip install six==1.16.0" in steps[1].instruction
    assert emitted[:2] == [
        "Step 1/9 : FROM python:3.11-slim AS Builder",
        "Step 3/9 : RUN python -m venv /opt/venv",
    ]
    assert emitted.count("  ---> Using cache") == 3
    # A vertex seen twice is announced once.
    assert emitted.count("Step 8/9 : COPY app.py .") == 1


def test_a_file_of_one_stage_has_its_steps_reported_too():
    # BuildKit names no stage when the file has one ("[2/3] RUN ..."), even with AS.
    one_stage = "FROM python:3.11-slim AS base\nWORKDIR /app\nRUN pip install six\n"
    progress, emitted = _follow(
        one_stage,
        _vertex("a", "[1/3] FROM docker.io/library/python:3.11-slim", started="now"),
        _vertex("b", "[2/3] WORKDIR /app", cached=True, started="now"),
        _vertex("c", "[3/3] RUN pip install six", started="now"),
    )
    assert [(step.number, step.instruction, step.cached) for step in progress.steps()] == [
        (2, "WORKDIR /app", True),
        (3, "RUN pip install six", False),
    ]
    assert emitted == [
        "Step 1/3 : FROM python:3.11-slim AS base",
        "Step 2/3 : WORKDIR /app",
        "  ---> Using cache",
        "Step 3/3 : RUN pip install six",
    ]


def test_a_failed_step_is_named_with_its_last_output_lines():
    log = base64.b64encode(b"Collecting nothing-such\nERROR: No matching distribution\n").decode()
    progress, _ = _follow(
        MULTI_STAGE,
        _vertex("c", "[builder 2/3] RUN python -m venv /opt/venv", started="t"),
        {"logs": [{"vertex": "c", "stream": 1, "data": log}]},
        _vertex("c", "[builder 2/3] RUN python -m venv /opt/venv", error="exit code: 1"),
        _vertex("f", "[stage-1 4/4] COPY app.py .", error="context canceled"),
    )
    progress.text.append("ERROR: failed to solve: exit code: 1")
    message = progress.failure()
    assert message.startswith("step 3: RUN python -m venv /opt/venv: exit code: 1")
    assert "ERROR: No matching distribution" in message
    assert "context canceled" not in message
    assert message.endswith("ERROR: failed to solve: exit code: 1")


def test_the_cache_records_a_build_made_are_told_from_others():
    # Descriptions as dockerd 26's BuildKit writes them for the steps of MULTI_STAGE.
    progress = buildkit.Progress(parse_dockerfile(MULTI_STAGE, "Dockerfile"), lambda line: None)
    names = [
        "[builder 2/3] RUN python -m venv /opt/venv",
        "[builder 3/3] RUN --mount=type=cache,target=/root/.cache/pip <<EOT "
        "(/opt/venv/bin/pip install six==1.16.0)",
        "[stage-1 3/4] COPY app.py .",
        '[stage-1 5/5] RUN ["python", "-m", "compileall", "/app"]',
    ]
    for digest, name in enumerate(names):
        progress.feed(_vertex(f"sha256:{digest}", name, started="now"))

    def made(description: str, kind: str = "regular") -> bool:
        return progress.made({"ID": "x", "Type": kind, "Description": description})

    assert made("mount / from exec /bin/sh -c python -m venv /opt/venv")
    assert made("mount / from exec /bin/sh -c /opt/venv/bin/pip install six==1.16.0\n")
    assert made("[stage-1 3/4] COPY app.py .")
    assert made("mount / from exec python -m compileall /app")
    assert made("local source for context", "source.local")
    # Another project's steps, and the pip cache mount every build naming it shares.
    assert not made("mount / from exec /bin/sh -c pip install -r requirements.txt")
    assert not made("[stage-1 3/4] COPY main.py .")
    assert not made("mount / from exec /bin/sh -c python -m venv /opt/venv2")
    assert not made(
        "cached mount /root/.cache/pip from exec /bin/sh -c /opt/venv/bin/pip install "
        'six==1.16.0 with id "//root/.cache/pip"',
        "exec.cachemount",
    )
    assert not made("pulled from docker.io/library/python:3.11-slim", "regular")


def test_plain_lines_between_objects_are_kept_as_text():
    text: list[str] = []
    lines = ["#1 not json\n", *_stream({"vertexes": []}), "ERROR: failed to solve\n"]
    assert list(buildkit.json_objects(lines, text)) == [{"vertexes": []}]
    assert text == ["#1 not json", "ERROR: failed to solve"]


def test_classic_limits_name_every_buildkit_only_feature(tmp_path: Path):
    dockerfile = tmp_path / "app.Dockerfile"
    dockerfile.write_text(
        "FROM python:3.11-slim\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install six\n"
        "COPY --chmod=0755 run.sh /run.sh\n"
        "RUN <<EOT\necho hi\nEOT\n"
        "COPY --chown=1:1 app.py /app.py\n"
    )
    (tmp_path / "app.Dockerfile.dockerignore").write_text("*.pyc\n")
    found = classic_limits(dockerfile, BuildOptions(secrets=("id=token,env=TOKEN",)))
    assert found == [
        "RUN --mount (line 2)",
        "COPY --chmod (line 3)",
        "a heredoc (line 4)",
        "build secrets (the spec's build.secrets)",
        "app.Dockerfile.dockerignore (it reads only the context's .dockerignore)",
    ]
    plain = tmp_path / "Dockerfile"
    plain.write_text("FROM python:3.11-slim\nCOPY --chown=1:1 app.py /app.py\n")
    assert classic_limits(plain, BuildOptions()) == []


@pytest.mark.parametrize(
    ("frontend", "stands_in"),
    [
        ("docker/dockerfile:1", True),
        ("docker/dockerfile:1.7", True),
        ("docker.io/docker/dockerfile:1.4.3", True),
        ("docker/dockerfile", True),
        ("docker/dockerfile:1.7-labs", False),
        ("docker/dockerfile-upstream:master", False),
        ("example.com/frontends/dockerfile:1", False),
    ],
)
def test_only_official_frontends_fall_back_to_the_built_in_one(frontend, stands_in):
    assert buildkit.built_in_can_stand_in(frontend) is stands_in


def test_a_frontend_fetch_failure_is_told_apart_from_a_failed_step():
    model = parse_dockerfile("# syntax=docker/dockerfile:1\nFROM scratch\n", "Dockerfile")
    fetch = (
        "ERROR: failed to solve: docker/dockerfile:1: failed to resolve source metadata for "
        "docker.io/docker/dockerfile:1: no such host"
    )
    assert buildkit.frontend_unreachable(model, fetch)
    assert not buildkit.frontend_unreachable(model, "step 2: RUN pip install: exit code: 1")
    plain = parse_dockerfile("FROM scratch\n", "Dockerfile")
    assert not buildkit.frontend_unreachable(plain, fetch)


def test_the_copy_without_the_directive_keeps_lines_and_its_ignore_file(tmp_path: Path):
    source = tmp_path / "src"
    source.mkdir()
    dockerfile = source / "app.Dockerfile"
    dockerfile.write_text("# syntax=docker/dockerfile:1\nFROM scratch\nCOPY a /a\n")
    (source / "app.Dockerfile.dockerignore").write_text("secret\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    copy = buildkit.without_directive(dockerfile, 1, scratch)
    assert copy.read_text() == "#\nFROM scratch\nCOPY a /a\n"
    assert (scratch / "app.Dockerfile.dockerignore").read_text() == "secret\n"


SERVICE_DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.11-slim AS builder
ARG GREETING=hello
RUN python -m venv /opt/venv
RUN --mount=type=cache,target=/root/.cache/pip \\
    /opt/venv/bin/pip install --disable-pip-version-check six==1.16.0
RUN --mount=type=secret,id=token,required=true <<EOT
set -e
test "$(cat /run/secrets/token)" = "s3cret"
echo "$GREETING" > /opt/venv/greeting
EOT

FROM python:3.11-slim
COPY --from=builder /opt/venv /opt/venv
COPY --chmod=0755 <<'PY' /app/serve.py
#!/opt/venv/bin/python
import http.server, json, six

GREETING = open("/opt/venv/greeting").read().strip()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"greeting": GREETING, "six": six.__version__}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
PY
COPY VERSION /app/VERSION
USER 10001:10001
EXPOSE 8000
CMD ["/app/serve.py"]
"""

SERVICE_SPEC = """\
version: 1
build:
  args: {GREETING: hi}
  secrets:
    - {id: token, src: token.txt}
service:
  port: 8000
  readiness: {http: /, timeout: 60}
inside:
  user: {uid: 10001}
  files_present: [/app/serve.py]
  files_absent: [/run/secrets/token, /root/.cache/pip/*]
http:
  - name: greeting
    request: {path: /}
    expect:
      status: 200
      json_subset: {greeting: hi, six: 1.16.0}
runtime:
  cached_rebuild:
    edit: VERSION
    expect_cached: ["pip install", "cat /run/secrets/token"]
"""


def write_buildkit_service(context: Path, dockerignore: bool = True) -> Path:
    """Write the service whose Dockerfile only BuildKit builds into ``context``."""
    context.mkdir()
    (context / "Dockerfile").write_text(SERVICE_DOCKERFILE)
    (context / "dlint-test.yaml").write_text(SERVICE_SPEC)
    (context / "token.txt").write_text("s3cret")
    (context / "VERSION").write_text("1.0\n")
    if dockerignore:
        (context / ".dockerignore").write_text("token.txt\ndlint-test.yaml\n")
    return context


@pytest.fixture
def buildkit_service(tmp_path: Path) -> Path:
    """A service whose Dockerfile only BuildKit builds."""
    return write_buildkit_service(tmp_path / "service")


@pytest.mark.docker
def test_heredocs_cache_mount_and_secret_build_and_pass(
    docker_client, dlint_test, buildkit_service, leftovers
):
    result = dlint_test(str(buildkit_service))
    assert result.code == 0, result.stdout + result.stderr
    assert "BuildKit (buildx default builder)" in result.stdout
    # No registry here: the # syntax= frontend cannot be fetched, and the built-in reads it.
    assert "building with the engine's built-in Dockerfile frontend" in result.stdout
    assert "Step 4/12 : RUN --mount=type=cache,target=/root/.cache/pip" in result.stdout
    assert re.search(r"^(\d+) checks: \1 passed$", result.stdout, re.M), result.stdout
    assert leftovers(result.run_id) == []


@pytest.mark.docker
def test_the_named_builder_is_used_and_an_unknown_one_refused(
    docker_client, dlint_test, buildkit_service, leftovers
):
    # The second run on this engine: BuildKit's cache still holds the first run's edit,
    # and the cached-rebuild proof must still see its own edit rebuilt.
    result = dlint_test(str(buildkit_service), "--builder", "default", "-k", "greeting or rebuild")
    assert result.code == 0, result.stdout + result.stderr
    assert "BuildKit (default)" in result.stdout
    assert "  ---> Using cache" in result.stdout
    assert "2 checks: 2 passed" in result.stdout
    missing = dlint_test(str(buildkit_service), "--builder", "dlint-no-such-builder")
    assert missing.code == 2, missing.stdout + missing.stderr
    assert "buildx builder dlint-no-such-builder cannot build" in missing.stderr
    assert leftovers(missing.run_id) == []


@pytest.mark.docker
def test_the_classic_builder_says_what_it_cannot_build(
    docker_client, dlint_test, buildkit_service, leftovers
):
    result = dlint_test(str(buildkit_service), "--classic-builder")
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    for feature in (
        "RUN --mount (line 5)",
        "a heredoc (line 7)",
        "COPY --chmod (line 15)",
        "build secrets",
    ):
        assert feature in result.stderr
    assert leftovers(result.run_id) == []


@pytest.mark.docker
def test_a_frontend_that_cannot_be_fetched_is_one_clear_line(
    docker_client, dlint_test, buildkit_service, leftovers
):
    dockerfile = buildkit_service / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "# syntax=docker/dockerfile:1", "# syntax=frontends.invalid/dockerfile:1"
        )
    )
    result = dlint_test(str(buildkit_service), "-k", "greeting")
    assert result.code == 2, result.stdout + result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"dlint: error: {dockerfile}:1: the builder cannot fetch the ")
    assert "`# syntax=frontends.invalid/dockerfile:1` frontend" in first
    assert "Traceback" not in result.stderr
    assert leftovers(result.run_id) == []


def test_spec_secrets_become_buildx_values_and_a_missing_file_is_an_error(tmp_path: Path):
    from dlint.harness.spec import SpecError, load_spec

    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    spec = tmp_path / "dlint-test.yaml"
    spec.write_text(
        "version: 1\nservice: {port: 80}\n"
        "build: {secrets: [{id: pip, src: pip.txt}, {id: hf, env: HF_TOKEN}]}\n"
    )
    with pytest.raises(SpecError, match=r"build.secrets\[0\].src: file .*pip.txt does not exist"):
        load_spec(spec, tmp_path)
    (tmp_path / "pip.txt").write_text("token")
    assert load_spec(spec, tmp_path).build_secrets == (
        f"id=pip,src={tmp_path / 'pip.txt'}",
        "id=hf,env=HF_TOKEN",
    )
    spec.write_text("version: 1\nservice: {port: 80}\nbuild: {secrets: [{id: pip}]}\n")
    with pytest.raises(SpecError, match=r"build.secrets\[0\]"):
        load_spec(spec, tmp_path)


def test_a_spec_naming_an_image_cannot_also_ask_for_a_rebuild(tmp_path: Path):
    from dlint.harness.spec import SpecError, load_spec

    spec = tmp_path / "dlint-test.yaml"
    spec.write_text(
        "version: 1\nimage: team/model:1\nservice: {port: 80}\n"
        "runtime: {cached_rebuild: {edit: app.py, expect_cached: [pip]}}\n"
    )
    with pytest.raises(SpecError, match=r"runtime\.cached_rebuild: the spec names an image"):
        load_spec(spec, tmp_path)
    spec.write_text("version: 1\nimage: team/model:1\nservice: {port: 80}\n")
    assert load_spec(spec, tmp_path).image == "team/model:1"
