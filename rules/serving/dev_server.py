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
Unsafe, for Flask's `app.run()` started by an exec-form `CMD ["python", "file.py"]` of
the final stage (no `ENTRYPOINT`) whose app object dlint finds: the `CMD` becomes
`gunicorn --bind 0.0.0.0:<port> --worker-tmp-dir /dev/shm --chdir <folder> module:app`,
on the port `app.run()` used. When no requirements file or `RUN` installs gunicorn, a
`RUN pip install --no-cache-dir gunicorn` is added before the final stage's first copy
from the context (or its `USER`, or the `CMD`); it is left unpinned, never given a
guessed version, so `pip-unpinned` asks you to pin it. Code under
`if __name__ == "__main__":` no longer runs.

What dlint cannot see: an app object built in a function the file imports from a
module outside the context, or a server chosen by an environment variable at run time.
"""

import posixpath
from collections.abc import Iterator

from dlint.app import App, Server
from dlint.commands import pip_install
from dlint.edits import exec_array, insert_before
from dlint.finding import Edit, Fix, Problem, Severity
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
            gunicorn_fix(build, app, server),
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


# What `pip install gunicorn` adds: the package (and its dependencies) where pip puts
# them, and the gunicorn script.
GUNICORN_FILES = (
    "files:/usr/local/lib/**",
    "files:/usr/local/bin/gunicorn*",
)


def gunicorn_fix(build: Build, app: App, server: Server) -> Fix | None:
    """Serve Flask's app object with gunicorn from the CMD, installing gunicorn if needed."""
    dockerfile = build.dockerfile
    entry, cmd = app.entry, app.start.cmd
    final = dockerfile.final_lineage[0]
    if server.kind != "flask" or entry is None or not entry.flask_names or cmd is None:
        return None
    if app.start.entrypoint is not None or cmd.exec_form is None or cmd.stage_index != final.index:
        return None
    port = server.port.text if server.port and server.port.text else None
    if port is None or not port.isdigit():
        return None
    folder, name = posixpath.split(entry.source.image_path)
    module = f"{name.removesuffix('.py')}:{sorted(entry.flask_names)[0]}"
    argv = ["gunicorn", "--bind", f"0.0.0.0:{port}", "--worker-tmp-dir", "/dev/shm"]
    argv += ["--chdir", folder or "/", module]
    value = cmd.value
    span = cmd.locate(value.index("["), len(value.rstrip()))
    edits = [Edit(span, exec_array(argv))]
    changes: tuple[str, ...] = ("Cmd",)
    if not has_gunicorn(build):
        changes += GUNICORN_FILES
        # As root, and before the code is copied in: an edit of the code keeps the layer.
        copies = [
            i
            for i in final.of("COPY", "ADD")
            if (c := dockerfile.copy_of(i)) is not None and c.context_sources
        ]
        before = next(iter(copies + final.of("USER")), cmd)
        edits.append(insert_before(dockerfile, before, ["RUN pip install --no-cache-dir gunicorn"]))
    return Fix(
        "serve the app with gunicorn",
        tuple(edits),
        False,
        reshapes=len(edits) > 1,
        changes=changes,
    )


def has_gunicorn(build: Build) -> bool:
    """True when a requirements file or a pip install of the final image brings gunicorn."""
    listed = (r.name.lower() for f in build.requirements for r in f.requirements)
    if "gunicorn" in listed:
        return True
    installs = (pip_install(c) for r in build.dockerfile.in_final_image("RUN") for c in r.commands)
    return any(
        p is not None
        and any(w.text.split("=")[0].split("[")[0].lower() == "gunicorn" for w in p.packages)
        for p in installs
    )


RULE = Rule(
    id="D600",
    name="dev-server",
    severity=Severity.WARNING,
    summary="the final image serves with a development server (app.run, flask run, --reload)",
    check=check,
    tags=("serving", "runtime"),
    fixable=True,
)
