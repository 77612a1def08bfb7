"""## What it does
Flags a `$VARIABLE` that Docker will expand to nothing, in the instructions where Docker
expands variables (`ENV`, `ARG`, `COPY`, `ADD`, `WORKDIR`, `USER`, `LABEL`, `EXPOSE`,
`VOLUME`, `STOPSIGNAL`; not `RUN`, `CMD` or `ENTRYPOINT`, where the shell does):

- a global `ARG` (declared before the first `FROM`) used in a stage that does not
  declare it again with `ARG NAME`;
- a platform argument (`TARGETARCH`, `BUILDPLATFORM`, ...) used without `ARG NAME`;
- a name that an `ARG` or `ENV` further down the stage declares (used before it is set);
- a name that looks like a typo of a variable in scope (`$MODLE_DIR` beside `MODEL_DIR`);
- any undefined name in a stage built on `scratch`, where no base image can define it.

dlint does not know the base image's environment, so other undefined names (`$PATH`,
`$PYTHON_VERSION`) pass; a variable with a default (`${NAME:-x}`) passes. BuildKit's
`UndefinedVar`, which reads the base image's environment, checks the same.

## Why it matters
The build goes on with an empty value: `COPY model-${MODEL_VERSION}.onnx /models/` when
`MODEL_VERSION` is a global `ARG` copies `model-.onnx` or fails, and
`ENV TORCH_CUDA_ARCH=${TARGETARCH}` bakes in an empty string.

## Example
```dockerfile
ARG MODEL_VERSION=2024-06-01
FROM python:3.11-slim
COPY models/${MODEL_VERSION}/ /opt/model/
```

## Instead
```dockerfile
ARG MODEL_VERSION=2024-06-01
FROM python:3.11-slim
ARG MODEL_VERSION
COPY models/${MODEL_VERSION}/ /opt/model/
```

## Fix safety
No automatic fix: the variable may be misspelt or its `ARG` missing.
"""

from collections.abc import Iterable, Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import PLATFORM_ARGS, PROXY_ARGS, likely_typo, variable_uses

EXPANDING = (
    "ENV",
    "ARG",
    "COPY",
    "ADD",
    "WORKDIR",
    "USER",
    "LABEL",
    "EXPOSE",
    "VOLUME",
    "STOPSIGNAL",
)
# Variables base images commonly set; never reported, but offered as corrections.
COMMON_ENV = frozenset(
    {
        "PATH",
        "HOME",
        "HOSTNAME",
        "LANG",
        "LC_ALL",
        "TERM",
        "USER",
        "PWD",
        "SHELL",
        "PYTHONPATH",
        "LD_LIBRARY_PATH",
        "JAVA_HOME",
        "GOPATH",
        "CUDA_HOME",
    }
)


def reason(
    name: str, scope: Iterable[str], global_names: set[str], later: set[str], on_scratch: bool
) -> str | None:
    """Why ``name``, not in ``scope``, expands to nothing; None when it may be defined."""
    if name in PROXY_ARGS or name in COMMON_ENV:
        return None
    if name in later:
        return f"{name} is only declared further down the stage; move its ARG or ENV up"
    if name in global_names:
        return f"the global ARG {name} is not in scope in a stage; add 'ARG {name}' to it"
    if name in PLATFORM_ARGS:
        return f"{name} is only set in a stage that declares it; add 'ARG {name}'"
    close = likely_typo(name, [*scope, *COMMON_ENV])
    if close:
        return f"nothing defines it (did you mean ${close}?)"
    if on_scratch:
        return "nothing defines it, and a scratch image has no environment"
    return None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each variable Docker expands to nothing."""
    dockerfile = build.dockerfile
    global_names = {name for arg in dockerfile.global_args for name, _ in arg.assignments}
    for stage in dockerfile.stages:
        on_scratch = dockerfile.lineage(stage)[-1].base.is_scratch
        # Where each name is last declared in the stage: a set of the names declared after
        # each instruction would be quadratic in a long stage.
        last_declared = {name: i.index for i in stage.of("ARG", "ENV") for name, _ in i.assignments}
        for instruction in stage.instructions:
            if instruction.keyword not in EXPANDING or "$" not in instruction.value:
                continue
            scope = instruction.variables
            # A name set by this same ENV/ARG is env-self-reference's business.
            here = (
                {n for n, _ in instruction.assignments}
                if instruction.keyword in ("ENV", "ARG")
                else set()
            )
            for use in variable_uses(instruction.value, dockerfile.escape):
                if use.guarded or use.name in scope or use.name in here:
                    continue
                later = {use.name} if last_declared.get(use.name, -1) > instruction.index else set()
                why = reason(use.name, scope, global_names, later, on_scratch)
                if why is not None:
                    yield Problem(
                        f"${use.name} is empty here: {why}", instruction.locate(use.start, use.end)
                    )


RULE = Rule(
    id="D710",
    name="undefined-variable",
    severity=Severity.WARNING,
    summary="an instruction uses a variable that is not defined where it is used",
    check=check,
    aliases=("UndefinedVar",),
    tags=("correctness", "args"),
)
