"""## What it does
Flags compilers, build tools and development headers installed in the final stage or a
stage it is built `FROM`: `build-essential`, `gcc`, `g++`, `make`, `cmake`, `clang`,
`gfortran` (versioned ones such as `gcc-12` too) and every `*-dev` package with
`apt-get`/`apt`; `build-base`, `gcc`, `linux-headers` and `*-dev` with `apk add`;
`gcc`, `gcc-c++`, `make` and `*-devel` with `dnf`/`yum`/`microdnf`. Builder stages whose
output is copied out selectively are not checked. A package removed again in the same
`RUN` passes (`apt-get purge -y --auto-remove gcc`, `apk del` of the package or of the
`--virtual` group it was added with, `dnf remove`).

## Why it matters
A service only needs the built wheels at run time. Compilers and headers add hundreds of
megabytes, slow every pull and scale-up, and give an attacker who gets a shell a ready
toolchain; they are also most of the CVEs a scanner reports on an ML image.

## Example
```dockerfile
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
RUN pip install --no-cache-dir -r requirements.txt
```

## Instead
```dockerfile
FROM python:3.11-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
```

## Fix safety
No automatic fix: moving the build into its own stage changes the Dockerfile's shape,
and the runtime library that replaces a `-dev` package (`libpq5` for `libpq-dev`) has to
be chosen by hand.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import kept_packages
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

COMPILER = regex.compile(r"^(gcc|g\+\+|clang|gfortran|cpp)(-\d+(\.\d+)*)?$")
BUILD_TOOLS = {
    "apt-get": (frozenset({"build-essential", "make", "cmake"}), "-dev"),
    "apk": (frozenset({"build-base", "make", "cmake", "linux-headers"}), "-dev"),
    "dnf": (frozenset({"gcc-c++", "make", "cmake"}), "-devel"),
    "zypper": (frozenset({"gcc-c++", "make", "cmake"}), "-devel"),
}


def is_build_tool(manager: str, name: str) -> bool:
    """True when ``name`` is a compiler, a build tool or a headers package for ``manager``."""
    names, suffix = BUILD_TOOLS[manager]
    return name in names or name.endswith(suffix) or bool(COMPILER.match(name))


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every build-tool package installed into the final image."""
    for run in build.dockerfile.in_final_image("RUN"):
        for package in kept_packages(run):
            if not is_build_tool(package.install.manager, package.name):
                continue
            yield Problem(
                f"build tool '{package.name}' ends up in the final image; install it in a "
                f"builder stage or remove it in the same RUN",
                package.word.span,
            )


RULE = Rule(
    id="D206",
    name="build-tools-in-final-stage",
    severity=Severity.WARNING,
    summary="compilers or -dev headers are installed in the final image",
    check=check,
    tags=("size", "security"),
)
