"""## What it does
Flags a final image that serves with a development server: Flask's `app.run()` (or
Dash's, Quart's) in the file the image runs, `flask run`, Werkzeug's `run_simple`,
Django's `manage.py runserver`, `python -m http.server`, `uvicorn`/`gunicorn`/`hypercorn
--reload` (or `uvicorn.run(..., reload=True)`), `streamlit` with
`--global.developmentMode`/`--server.runOnSave`, and the `gradio` CLI (its reload mode).
dlint resolves the start command (`ENTRYPOINT` + `CMD`, `tini`, an entrypoint script's
`exec`) and reads the Python file it runs from the build context with `ast`, never
importing it. A finding in the code points at the call in that file.

## Why it matters
Development servers are single-process, reload on file changes, print debuggers and
stack traces, and are not hardened: Flask and Django both say "do not use it in
production". For a model server that means one request at a time while the GPU idles,
no worker restarts after a leak, and no graceful shutdown. `app.run()` under
`if __name__ == "__main__":` is harmless when gunicorn imports the module, and passes.

## Example
```dockerfile
FROM python:3.11-slim
COPY src/ /app/src/
CMD ["python", "/app/src/app.py"]    # src/app.py ends in app.run(host="0.0.0.0")
```

## Instead
```dockerfile
FROM python:3.11-slim
COPY src/ /app/src/
WORKDIR /app/src
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--workers", "2", "app:app"]
```
For FastAPI, `uvicorn` without `--reload` (or gunicorn with uvicorn workers).

## Fix safety
No automatic fix yet. The finding names the server and, for Flask, the module and the
app object a production server would load (`gunicorn app:app`), so a fix can write it.
What dlint cannot see: an app object built in a function the file imports from a
module outside the context, or a server chosen by an environment variable at run time.
"""

from collections.abc import Iterator

from dlint.app import App
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._serving import app_of


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem where each development server the final image starts is chosen."""
    app = app_of(build)
    for server in app.servers:
        if not server.dev:
            continue
        advice = production_advice(app, server.kind)
        yield Problem(
            f"the image serves with {server.dev_reason}, a development server; {advice}",
            server.dev_span or server.span,
            file=server.file,
        )


def production_advice(app: App, kind: str) -> str:
    """What to run instead, naming the app object when the code shows it."""
    if kind in ("uvicorn", "gunicorn", "hypercorn", "daphne", "granian"):
        return "drop the reload option in the image"
    if kind == "streamlit":
        return "drop the development flags"
    if kind == "django":
        return "serve the project's WSGI application with gunicorn (gunicorn project.wsgi)"
    entry = app.entry
    if kind == "flask" and entry is not None and entry.flask_names:
        module = entry.source.image_path.rsplit("/", 1)[-1].removesuffix(".py")
        name = sorted(entry.flask_names)[0]
        return f"serve it with a production server such as gunicorn ({module}:{name})"
    return "serve it with a production server such as gunicorn or uvicorn"


RULE = Rule(
    id="D600",
    name="dev-server",
    severity=Severity.WARNING,
    summary="the final image serves with a development server (app.run, flask run, --reload)",
    check=check,
    tags=("serving", "runtime"),
)
