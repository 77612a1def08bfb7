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
No automatic fix: only you know the health endpoint and how long the model takes to load.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._image import start_command


def app_serves(build: Build) -> bool:
    """True when the start command, followed into scripts and code, starts a server."""
    app = build.app
    if app is None:
        from dlint.app import build_app

        app = build_app(build.dockerfile)
    return bool(app.servers)


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
    if serves or app_serves(build):
        yield Problem(
            "the final image serves traffic but has no HEALTHCHECK; add one that probes "
            "the service (or HEALTHCHECK NONE when the orchestrator probes it)",
            lineage[0].from_instruction.keyword_span,
        )


RULE = Rule(
    id="D401",
    name="missing-healthcheck",
    severity=Severity.INFO,
    summary="a service image has no HEALTHCHECK",
    check=check,
    aliases=("DL3057", "DS-0026", "CKV_DOCKER_2"),
    tags=("runtime",),
)
