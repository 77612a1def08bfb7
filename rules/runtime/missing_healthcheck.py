"""## What it does
Flags the final stage of a service image that has no `HEALTHCHECK` (one in a stage it is
built `FROM` counts, and `HEALTHCHECK NONE` is an explicit choice that passes). A service
image is one whose final stage lineage `EXPOSE`s a port, whose `CMD`/`ENTRYPOINT` starts
a server (gunicorn, uvicorn, `flask run`, `python -m http.server`, nginx, `java -jar`,
`node server.js`, `serve`, torchserve, tritonserver...), or which is built on a server
image such as nginx. The start command is followed through an init and an entrypoint
script's `exec`, and into the Python file it runs: `CMD ["python", "src/app.py"]` is a
service when `src/app.py` starts a server (Flask's `app.run()`, `uvicorn.run()`,
waitress, gradio's `launch()`, `http.server`), even with no `EXPOSE`. Batch and training
images pass.

## Why it matters
Without a health check Docker and Compose report a container as healthy as soon as it
starts, even while the model is still loading or after the worker deadlocked; traffic
is routed to it and `depends_on: condition: service_healthy` means nothing.

## Example
```dockerfile
FROM python:3.11-slim
EXPOSE 8000
CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
```

## Instead
```dockerfile
FROM python:3.11-slim
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"]
CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
```
On Kubernetes, probes replace `HEALTHCHECK`; there `HEALTHCHECK NONE` documents that.

## Fix safety
Unsafe, and only for a Python service whose port dlint knows (from the server's command
line or code, or the one port the image exposes): the fix adds, before the final
`CMD`/`ENTRYPOINT`, a `HEALTHCHECK` in exec form that probes the port with the image's
own Python, not `curl` (slim images have none). When the code names a `/health`,
`/healthz`, `/ready` or `/ping` path, `urllib` requests it and any HTTP error fails the
check; otherwise `http.client` asks for `/` and any answer at all passes. Review the
intervals (30 s, 5 s timeout, 30 s start period, 3 retries) against the service's start-up.

## Differs from hadolint
- DL3057 (only dlint): hadolint's DL3057 is off unless enabled in its configuration;
  missing-healthcheck is on by default and flags service images only.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.app import App
from dlint.edits import exec_array, insert_after, insert_before
from dlint.finding import Fix, Problem, Severity
from dlint.model import Build, Dockerfile
from dlint.rule import Rule

from ._image import start_command


def app_of(build: Build) -> App:
    """What the final image runs, its code read when there is a build context."""
    if build.app is not None:
        return build.app
    from dlint.app import build_app

    return build_app(build.dockerfile)


PYTHON_SERVERS = frozenset(["gunicorn", "uvicorn", "hypercorn", "daphne", "waitress", "flask"])
HEALTH_PATH = regex.compile(r"""["'](/(?:health|healthz|ready|readyz|ping|livez))["']""")
OPTIONS = "--interval=30s --timeout=5s --start-period=30s --retries=3"


def healthcheck_fix(build: Build) -> Fix | None:
    """A HEALTHCHECK that probes the known port with the image's Python, when it has one."""
    dockerfile = build.dockerfile
    app = app_of(build)
    ports = {s.port.text for s in app.servers if s.port and s.port.text and s.port.text.isdigit()}
    if not ports:
        ports = set(exposed(dockerfile))
    python = app.entry is not None or any(s.kind in PYTHON_SERVERS for s in app.servers)
    if len(ports) != 1 or not python:
        return None
    (port,) = ports
    paths = {m[1] for f in app.files for m in HEALTH_PATH.finditer(f.source.text)}
    if len(paths) == 1:
        url = f"http://127.0.0.1:{port}{paths.pop()}"
        code = f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"
    else:
        code = (
            f"import http.client; c = http.client.HTTPConnection('127.0.0.1', {port}, "
            "timeout=4); c.request('GET', '/'); c.getresponse()"
        )
    program = app.start.launch.program if app.start.launch else ""
    interpreter = program if program.startswith("python") else "python3"
    line = f"HEALTHCHECK {OPTIONS} CMD {exec_array([interpreter, '-c', code])}"
    final = dockerfile.final_lineage[0]
    starts = [i for i in final.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    edit = (
        insert_before(dockerfile, starts[0], [line])
        if starts
        else insert_after(dockerfile, final.instructions[-1], [line])
    )
    return Fix(
        "add a HEALTHCHECK that probes the service",
        (edit,),
        False,
        reshapes=True,
        changes=("Healthcheck",),
    )


def exposed(dockerfile: Dockerfile) -> list[str]:
    """The plain port numbers the final image's EXPOSE instructions name."""
    found = []
    for instruction in dockerfile.in_final_image("EXPOSE"):
        for word in instruction.arguments:
            port = instruction.resolve(word.text).text.split("/", 1)[0]
            if port.isdigit():
                found.append(port)
    return found


SERVERS = frozenset(
    [
        *("gunicorn", "uvicorn", "hypercorn", "daphne", "waitress-serve", "uwsgi", "granian"),
        *("nginx", "httpd", "apache2", "caddy", "php-fpm", "serve", "http-server"),
        *("torchserve", "tritonserver", "text-generation-launcher", "streamlit", "fastapi"),
    ]
)
SERVER_PHRASES = (
    *("flask run", "http.server", "java -jar", "npm start", "rails s", "bentoml serve"),
    *("mlflow server", "mlflow models serve", "vllm.entrypoints", "vllm serve"),
)
SERVER_IMAGES = frozenset(["nginx", "httpd", "caddy", "traefik", "tomcat"])


def runs_server(argv: list[str]) -> bool:
    """True when a start command launches a network server."""
    words = " ".join(argv).split()
    names = [w.rsplit("/", 1)[-1] for w in words]
    text = " ".join(names)
    if SERVERS.intersection(names) or any(p in text for p in SERVER_PHRASES):
        return True
    return "node" in names and any("server" in w for w in names)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem when a service image has no HEALTHCHECK."""
    dockerfile = build.dockerfile
    lineage = dockerfile.final_lineage
    if not lineage or dockerfile.in_final_image("HEALTHCHECK"):
        return
    argv = [w.text for i in start_command(dockerfile) if i is not None for w in i.arguments]
    exposes = bool(dockerfile.in_final_image("EXPOSE"))
    serves = exposes or runs_server(argv) or lineage[-1].base.repository in SERVER_IMAGES
    if serves or app_of(build).servers:
        yield Problem(
            "the final image serves traffic but has no HEALTHCHECK; add one that probes "
            "the service (or HEALTHCHECK NONE when the orchestrator probes it)",
            lineage[0].from_instruction.keyword_span,
            healthcheck_fix(build),
        )


RULE = Rule(
    id="D401",
    name="missing-healthcheck",
    severity=Severity.INFO,
    summary="a service image has no HEALTHCHECK",
    check=check,
    aliases=("DL3057", "DS-0026", "CKV_DOCKER_2"),
    tags=("runtime",),
    fixable=True,
)
