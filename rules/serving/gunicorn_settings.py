"""## What it does
For a final image that serves with gunicorn, flags two settings that are wrong in a
container:

- the worker heartbeat directory left on the image's filesystem: no `--worker-tmp-dir
  /dev/shm` on the command line, in `GUNICORN_CMD_ARGS` or in gunicorn's config file
  (`worker_tmp_dir = "/dev/shm"`, from `-c FILE` or `gunicorn.conf.py` in the `WORKDIR`);
- workers sized from the host's CPU count: `multiprocessing.cpu_count()` or
  `os.cpu_count()` in the config file.

## Why it matters
Each gunicorn worker touches a temporary file every few seconds to prove it is alive.
By default that file is in `/tmp`, on the container's overlay filesystem, where a
`fsync`-heavy neighbour or a slow disk stalls the write and the arbiter kills healthy
workers mid-request ("WORKER TIMEOUT"); with a read-only root filesystem gunicorn does
not start at all. `/dev/shm` is memory. And `cpu_count()` sees the host's 64 or 128
cores, not the container's CPU limit: a model server then forks 129 workers, each
loading the model, and is killed for running out of memory.

## Example
```dockerfile
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```

## Instead
```dockerfile
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", \
     "--workers", "2", "app:app"]
```
Size workers from the memory one model needs and the container's limits, passed in
`WEB_CONCURRENCY` or `--workers`.

## Fix safety
Safe: `--worker-tmp-dir /dev/shm` is added right after the `gunicorn` word (in the
Dockerfile or the entrypoint script; exec form gets two more array items). Docker and
Kubernetes always mount `/dev/shm`; only where heartbeat files live changes. Workers from
`cpu_count()` are left to you: the right number depends on the model's memory.
"""

from collections.abc import Iterator

from dlint.app import StartCommand, image_env
from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build
from dlint.rule import Rule

from ._serving import app_of

CPU_COUNTS = frozenset({"multiprocessing.cpu_count", "os.cpu_count", "cpu_count"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for gunicorn's heartbeat dir on overlay and CPU-count workers."""
    app = app_of(build)
    launch = app.start.launch
    server = next((s for s in app.servers if s.kind == "gunicorn"), None)
    if server is None or launch is None:
        return
    config = app.gunicorn_config
    env_args = image_env(build.dockerfile).get("GUNICORN_CMD_ARGS", "")
    in_config = config is not None and "worker_tmp_dir" in config.assignments
    on_command = launch.option("--worker-tmp-dir") is not None
    if not (on_command or in_config or "--worker-tmp-dir" in env_args):
        yield Problem(
            "gunicorn keeps its worker heartbeat files on the container's overlay "
            "filesystem, where a slow write gets healthy workers killed; add "
            "--worker-tmp-dir /dev/shm",
            launch.words[0].span,
            tmp_dir_fix(launch.words[0].raw, launch.words[0].span, launch.file, app.start),
            file=launch.file,
        )
    if config is not None:
        for call in config.calls:
            if call.name in CPU_COUNTS:
                yield Problem(
                    f"{call.name}() counts the host's CPUs, not the container's limit, so "
                    "gunicorn starts far too many workers (each with its own model); set "
                    "workers from WEB_CONCURRENCY or a fixed number",
                    call.span,
                    file=config.path,
                )


def tmp_dir_fix(raw: str, span: Span, file: str | None, start: StartCommand) -> Fix:
    """Insert ``--worker-tmp-dir /dev/shm`` after the gunicorn word (JSON-array aware)."""
    quoted = raw.startswith('"')
    text = ', "--worker-tmp-dir", "/dev/shm"' if quoted else " --worker-tmp-dir /dev/shm"
    edit = Edit(Span(span.end, span.end), text, file)
    return Fix("add --worker-tmp-dir /dev/shm", (edit,), changes=launch_changes(span, file, start))


def launch_changes(span: Span, file: str | None, start: StartCommand) -> tuple[str, ...]:
    """Where the start command's words live in the image: the ENTRYPOINT or CMD that holds
    them, or the entrypoint script (a longer file)."""
    if file is not None:
        source = start.script.source if start.script is not None else None
        return (f"files:{source.image_path}",) if source and source.image_path else ()
    entrypoint = start.entrypoint
    if entrypoint is not None and entrypoint.span.start <= span.start <= entrypoint.span.end:
        return ("Entrypoint",)
    return ("Cmd",)


RULE = Rule(
    id="D613",
    name="gunicorn-settings",
    severity=Severity.WARNING,
    summary="gunicorn heartbeats on the overlay filesystem, or workers from the host CPU count",
    check=check,
    tags=("serving", "runtime", "gunicorn"),
    fixable=True,
)
