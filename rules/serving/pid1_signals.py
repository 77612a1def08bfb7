"""## What it does
Flags a final image whose PID 1 will not stop cleanly on `docker stop` (SIGTERM):

- a shell stays PID 1 and runs the server as its child: a shell-form `CMD`/`ENTRYPOINT`
  or `["sh", "-c", "…"]` whose server runs in a pipeline, a branch, a loop or the
  background (a plain last command is exec'd by dash, busybox ash and bash, and passes);
- a shell entrypoint script that starts the server as its last command without `exec`;
- a bare interpreter as PID 1 running code that installs no SIGTERM handler: `python
  app.py` serving with Flask's `app.run()`, waitress, gradio, `http.server`… (gunicorn,
  uvicorn, hypercorn, Django's autoreloader and streamlit handle SIGTERM and pass);
- a `STOPSIGNAL` that the server does not stop on (`SIGHUP` reloads gunicorn).

An init (`tini`, `dumb-init`, `docker-init`) in the `ENTRYPOINT`, or a Dockerfile comment
saying the image runs with `docker run --init` (or Compose's `init: true`), passes.
`STOPSIGNAL SIGINT` passes for a Python process: Python turns it into `KeyboardInterrupt`.

## Why it matters
The kernel does not apply the default action of a signal to PID 1: a process that
installs no handler for SIGTERM simply never receives it. `docker stop`, a Kubernetes
rollout or a scale-down then waits the whole grace period (10 s, 30 s) and kills the
container with SIGKILL (exit 137): in-flight predictions are cut off, every deploy is
slow, and a node drain stalls on every pod.

## Example
```dockerfile
FROM python:3.11-slim
COPY app.py /app/
CMD ["python", "/app/app.py"]    # app.py ends in app.run(host="0.0.0.0")
```

## Instead
```dockerfile
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
COPY app.py /app/
ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--chdir", "/app", "app:app"]
```
In an entrypoint script, end with `exec "$@"` or `exec gunicorn …`.

## Fix safety
Every fix is unsafe: it changes what PID 1 is, so test that the service still starts and
stops. An entrypoint script's plain last command gets `exec`. A shell that stays PID 1
for a pipeline or a list (`a | b`, `a && b`) is left to you. A Python PID 1 that handles no
SIGTERM gets `tini` as its init: installed with apt (Debian, Ubuntu and the images built
on them) or apk (Alpine) right after the final stage's `FROM`, and put in front of the
`ENTRYPOINT` (or as `ENTRYPOINT ["tini", "--"]` before a `CMD` of the final stage).

dlint reads only the code the start command runs and
the local modules it imports; a handler installed by a library outside the context is
invisible to it.
"""

from collections.abc import Iterator

from dlint.app import App, Script, last
from dlint.commands import PYTHON
from dlint.edits import exec_array, insert_after, insert_before
from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build, Dockerfile
from dlint.rule import Rule

from ._serving import app_of

# The signals each server stops on; any other STOPSIGNAL is ignored by it as PID 1.
STOPS_ON = {
    "gunicorn": {"SIGTERM", "SIGINT", "SIGQUIT"},
    "uvicorn": {"SIGTERM", "SIGINT"},
    "hypercorn": {"SIGTERM", "SIGINT"},
    "django": {"SIGTERM", "SIGINT"},
    "streamlit": {"SIGTERM", "SIGINT"},
    "nginx": {"SIGTERM", "SIGINT", "SIGQUIT"},
    "python": {"SIGINT"},
}
SIGNAL_NUMBERS = {"2": "SIGINT", "3": "SIGQUIT", "9": "SIGKILL", "15": "SIGTERM", "1": "SIGHUP"}


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem where the final image's PID 1 would ignore docker stop."""
    dockerfile = build.dockerfile
    app = app_of(build)
    start = app.start
    if not start.words or start.init is not None or init_documented(dockerfile):
        return
    stop = stop_signal(dockerfile)
    launch = start.launch
    if start.shell is not None:
        value = start.shell.value
        begin, end = len(value) - len(value.lstrip()), len(value.rstrip())
        yield Problem(
            "/bin/sh stays PID 1 and runs the server as its child, so docker stop's SIGTERM "
            "never reaches it; run the server as the last plain command (or with exec), "
            'or put an init in front: ENTRYPOINT ["tini", "--"]',
            start.shell.locate(begin, end),
        )
        return
    script = start.script
    if script is not None and script.last is not None and not script.last.replaces:
        yield Problem(
            f"the entrypoint script runs '{script.last.program}' as a child of the shell, which "
            "stays PID 1 and ignores docker stop's SIGTERM; start it with exec",
            script.last.words[0].span,
            exec_in_script(script),
            file=script.source.path,
        )
        return
    if launch is None or not launch.words:
        return
    kind = server_kind(app)
    if stop is not None and kind in STOPS_ON and stop[0] not in STOPS_ON[kind]:
        yield Problem(
            f"STOPSIGNAL {stop[0]} does not stop {kind}, which ignores it as PID 1; "
            f"use one of {', '.join(sorted(STOPS_ON[kind]))}",
            stop[1],
        )
        return
    if PYTHON.match(launch.program) and ignores_sigterm(app):
        if stop is not None and stop[0] == "SIGINT":
            return
        what = app.entry.path if app.entry is not None else "the code"
        servers = [s for s in app.servers if s.handles_sigterm is False]
        serving = ""
        if servers:
            serving = f" (serving with {servers[0].dev_reason or servers[0].what})"
        yield Problem(
            f"python is PID 1 and {what}{serving} installs no SIGTERM handler, so docker "
            "stop waits its timeout and kills it (exit 137); add an init "
            '(ENTRYPOINT ["tini", "--"]), serve with gunicorn or uvicorn, or handle SIGTERM',
            launch.span,
            tini_fix(build),
            file=launch.file,
        )


def exec_in_script(script: Script) -> Fix | None:
    """``exec`` in front of the script's last command, when it is a plain command."""
    last_command = script.last
    if last_command is None or last_command.within or not last_command.words:
        return None
    start = last_command.words[0].span.start
    edit = Edit(Span(start, start), "exec ", script.source.path)
    # The script in the image is five bytes longer; the configuration stays.
    changes = (f"files:{script.source.image_path}",) if script.source.image_path else ()
    return Fix("exec the last command of the entrypoint script", (edit,), False, changes=changes)


DEBIAN = ("python", "debian", "ubuntu", "cuda", "pytorch", "tensorflow", "buildpack-deps")
TINI = {
    "apt": "RUN apt-get update && apt-get install -y --no-install-recommends tini "
    "&& rm -rf /var/lib/apt/lists/*",
    "apk": "RUN apk add --no-cache tini",
}


# What installing tini adds: its binaries and documents, and the package manager's
# records of the install (the apt lists it downloads are removed in the same RUN).
TINI_FILES = {
    "apt": (
        "files:/usr/bin/tini*",
        "files:/usr/share/doc/tini/**",
        "files:/usr/share/man/**",
        "files:/var/lib/dpkg/**",
        "files:/var/lib/apt/**",
        "files:/var/cache/apt/**",
        "files:/var/cache/debconf/**",
        "files:/var/log/**",
    ),
    "apk": ("files:/sbin/tini*", "files:/lib/apk/db/**", "files:/etc/apk/**"),
}


def tini_fix(build: Build) -> Fix | None:
    """Install tini after the final stage's FROM and make it the entrypoint's first word."""
    dockerfile = build.dockerfile
    lineage = dockerfile.final_lineage
    final, base = lineage[0], lineage[-1].base
    if any(s.of("USER") for s in lineage[1:]):
        return None  # a parent stage's user may not install packages
    name = base.name.rsplit("/", 1)[-1]
    if name == "alpine" or "alpine" in (base.tag or ""):
        manager = "apk"
    elif any(d in name for d in DEBIAN) and not base.is_scratch:
        manager = "apt"
    else:
        return None
    entrypoint, cmd = last(dockerfile, "ENTRYPOINT"), last(dockerfile, "CMD")
    if entrypoint is not None:
        words = entrypoint.exec_form
        if words is None or entrypoint.stage_index != final.index:
            return None
        value = entrypoint.value
        span = entrypoint.locate(value.index("["), len(value.rstrip()))
        start = Edit(span, exec_array(["tini", "--", *(w.text for w in words)]))
    elif cmd is not None and cmd.stage_index == final.index:
        start = insert_before(dockerfile, cmd, [f"ENTRYPOINT {exec_array(['tini', '--'])}"])
    else:
        return None
    install = insert_after(dockerfile, final.from_instruction, [TINI[manager]])
    return Fix(
        "run the server under tini",
        (install, start),
        False,
        reshapes=True,
        changes=("Entrypoint", *TINI_FILES[manager]),
    )


def ignores_sigterm(app: App) -> bool:
    """True when the Python code was read and nothing in it or its server handles SIGTERM."""
    if app.entry is None or not app.entry.parsed or app.handles_sigterm:
        return False
    return not any(s.handles_sigterm is not False for s in app.servers)


def server_kind(app: App) -> str | None:
    """The kind of process PID 1 is, for its stop signals."""
    if app.servers and app.servers[0].span == app.start.launch.span:  # the command line's
        return app.servers[0].kind
    launch = app.start.launch
    if launch is not None and PYTHON.match(launch.program) and ignores_sigterm(app):
        return "python"
    return None


def stop_signal(dockerfile: Dockerfile) -> tuple[str, object] | None:
    """The final image's STOPSIGNAL as a SIG name, with the span of its argument."""
    instruction = last(dockerfile, "STOPSIGNAL")
    if instruction is None or not instruction.arguments:
        return None
    word = instruction.arguments[0]
    text = instruction.resolve(word.text).text.upper()
    name = SIGNAL_NUMBERS.get(text, text if text.startswith("SIG") else f"SIG{text}")
    return name, word.span


def init_documented(dockerfile: Dockerfile) -> bool:
    """A comment saying the image runs with docker run --init or Compose's init: true."""
    return any("--init" in c.text or "init: true" in c.text for c in dockerfile.comments)


RULE = Rule(
    id="D601",
    name="pid1-signals",
    severity=Severity.WARNING,
    summary="PID 1 will not stop on SIGTERM (shell as PID 1, no exec, no handler, no init)",
    check=check,
    tags=("serving", "runtime", "signals"),
    fixable=True,
)
