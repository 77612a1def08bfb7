"""## What it does
Flags a Python image whose final stage lineage does not set `PYTHONUNBUFFERED` or
`PYTHONDONTWRITEBYTECODE` with `ENV` (one finding per missing variable; an `ENV` in a
stage the final stage is built `FROM` counts, an `ARG` does not). Any non-empty value
passes, as it does for Python itself. An image is a Python image when its base is a
Python image (`python:*`, distroless `python3`, `pytorch/pytorch`) or its final stage
lineage installs with pip or starts `python`.

## Why it matters
Without `PYTHONUNBUFFERED` stdout is block-buffered when it is not a terminal: the logs
of a crashing model server are lost with the buffer, and `docker logs` lags by minutes.
Without `PYTHONDONTWRITEBYTECODE` every import writes `.pyc` files into the image or a
read-only filesystem.

## Example
```dockerfile
FROM python:3.11-slim
CMD ["python", "serve.py"]
```

## Instead
```dockerfile
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
CMD ["python", "serve.py"]
```

## Fix safety
Safe: `ENV NAME=1` is added right after the final stage's `FROM` (one line per missing
variable; an empty one is set again there). Only how Python buffers its output and
whether it writes `.pyc` files change.
"""

from collections.abc import Iterator

from dlint.commands import PYTHON, pip_installs
from dlint.edits import insert_after
from dlint.finding import Fix, Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule

from ._image import start_command

VARIABLES = {
    "PYTHONUNBUFFERED": "so logs reach 'docker logs' at once and survive a crash",
    "PYTHONDONTWRITEBYTECODE": "so imports do not write .pyc files",
}
PYTHON_IMAGES = ("python", "pytorch")


def environment(instructions: list[Instruction]) -> dict[str, str]:
    """Values the ``ENV`` instructions set, later ones winning."""
    return {
        name: env.resolve(value or "").text
        for env in instructions
        for name, value in env.assignments
    }


def is_python_image(build: Build) -> bool:
    """True when the final image is built on Python or installs or runs Python."""
    dockerfile = build.dockerfile
    base = dockerfile.final_lineage[-1].base
    if base.repository.startswith(PYTHON_IMAGES) or (base.tag or "").startswith("python"):
        return True
    if any(pip_installs(run) for run in dockerfile.in_final_image("RUN")):
        return True
    argv = [w.text for i in start_command(dockerfile) if i is not None for w in i.arguments]
    return any(PYTHON.match(w.rsplit("/", 1)[-1]) for w in " ".join(argv).split())


def env_changes(name: str) -> tuple[str, ...]:
    """The variable is set; without bytecode written, the caches Python would write go."""
    if name == "PYTHONDONTWRITEBYTECODE":
        return (f"Env:{name}", "removed:**/__pycache__/**", "removed:**/*.pyc")
    return (f"Env:{name}",)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each Python variable the final image does not set."""
    dockerfile = build.dockerfile
    if dockerfile.final_stage is None or not is_python_image(build):
        return
    values = environment(dockerfile.in_final_image("ENV"))
    for name, reason in VARIABLES.items():
        if not values.get(name):
            state = "is empty" if name in values else "is not set"
            yield Problem(
                f"{name} {state} in this Python image; add ENV {name}=1 {reason}",
                dockerfile.final_stage.from_instruction.keyword_span,
                Fix(
                    f"set {name}=1",
                    (
                        insert_after(
                            dockerfile, dockerfile.final_stage.from_instruction, [f"ENV {name}=1"]
                        ),
                    ),
                    reshapes=True,
                    changes=env_changes(name),
                ),
            )


RULE = Rule(
    id="D403",
    name="python-env-unset",
    severity=Severity.INFO,
    summary="a Python image does not set PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE",
    check=check,
    tags=("runtime", "python"),
    fixable=True,
)
