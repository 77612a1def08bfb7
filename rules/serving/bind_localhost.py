"""## What it does
Flags a server in the final image that listens on `127.0.0.1`, `localhost` or `::1`
inside the container: written on the command line (`--host 127.0.0.1`, `--bind
localhost:8000`), in the code (`app.run(host="127.0.0.1")`, `uvicorn.run(...)`), in
gunicorn's config file (`bind = "127.0.0.1:8000"`), or left to a default that is local:
gunicorn without `--bind` (and without `$PORT`) and uvicorn/hypercorn without `--host`
listen on 127.0.0.1:8000, `flask run` and Flask's `app.run()` on 127.0.0.1:5000,
gradio's `launch()` on 127.0.0.1:7860 unless `GRADIO_SERVER_NAME` is set. An
`os.environ.get("HOST", "127.0.0.1")` counts as the `ENV` the image sets, else its
default.

## Why it matters
A container has its own network namespace: its loopback is not the host's. A server
bound to 127.0.0.1 accepts connections only from inside the container, so `docker run
-p 8000:8000` gives "connection reset", the orchestrator's probes fail, and the model
never gets traffic — while a `HEALTHCHECK` run inside the container says all is well.

## Example
```dockerfile
CMD ["gunicorn", "app:app"]        # listens on 127.0.0.1:8000
```

## Instead
```dockerfile
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```

## Fix safety
No automatic fix yet. The finding points at the address to change, or at the command or
call that needs one (`--bind 0.0.0.0:<port>`, `host="0.0.0.0"`). dlint cannot see an
address chosen at run time from a variable the image does not set, nor a sidecar design
where a proxy in the same container forwards to the local port on purpose.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._serving import app_of

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "ip6-localhost"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each server of the final image that listens on loopback only."""
    for server in app_of(build).servers:
        host = server.host
        if host is None or host.text is None or host.text.lower() not in LOCAL_HOSTS:
            continue
        port = server.port.text if server.port is not None and server.port.text else "<port>"
        how = "by default " if server.is_default(host) else ""
        yield Problem(
            f"{server.what} listens {how}on {host.text}, which inside a container is reachable "
            f"only from the container itself; bind 0.0.0.0:{port}",
            host.span,
            file=host.file,
        )


RULE = Rule(
    id="D605",
    name="bind-localhost",
    severity=Severity.ERROR,
    summary="the server binds 127.0.0.1/localhost inside the container: unreachable from outside",
    check=check,
    tags=("serving", "runtime", "network"),
)
