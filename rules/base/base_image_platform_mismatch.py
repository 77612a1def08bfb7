"""## What it does
Flags a `FROM --platform=` with a constant platform on a Docker Hub image that exists for
one other platform only: the per-architecture repositories (`arm64v8/python`,
`amd64/debian`, `arm32v7/alpine`, `i386/…`, `ppc64le/…`, `s390x/…`, `riscv64/…`,
`mips64le/…`, `windows-amd64/…`). BuildKit's `InvalidBaseImagePlatform` compares the
platform asked for with the one the pulled image was built for (operating system and
architecture); that is known before the build only when both are written down, so this
is the part dlint checks. A base image whose platforms only its registry knows
(`python:3.11-slim` has many), or a `--platform` from a variable (`$TARGETPLATFORM`),
is left to BuildKit at build time.

## Why it matters
The build does not stop: BuildKit warns, pulls the image it can get and the stage runs
its `RUN` steps under emulation (slowly, when emulation is installed at all), and the
image that ships holds binaries for another architecture, which fail with `exec format
error` on the machines it was meant for.

## Example
```dockerfile
FROM --platform=linux/amd64 arm64v8/python:3.11-slim
```

## Instead
```dockerfile
FROM --platform=linux/amd64 python:3.11-slim
```
The multi-platform image: the platform flag chooses the variant.

## Fix safety
No automatic fix: which of the two was meant is the author's call.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

# Docker Hub's per-architecture organisations, each holding images for one platform.
NAMESPACES = {
    "amd64": ("linux", "amd64"),
    "arm32v5": ("linux", "arm"),
    "arm32v6": ("linux", "arm"),
    "arm32v7": ("linux", "arm"),
    "arm64v8": ("linux", "arm64"),
    "i386": ("linux", "386"),
    "mips64le": ("linux", "mips64le"),
    "ppc64le": ("linux", "ppc64le"),
    "riscv64": ("linux", "riscv64"),
    "s390x": ("linux", "s390x"),
    "windows-amd64": ("windows", "amd64"),
}
HUB = (None, "docker.io", "index.docker.io", "registry-1.docker.io")
# Other spellings of an architecture, as the containerd platform parser normalises them.
ARCHITECTURES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "i386": "386"}


def asked_for(value: str) -> tuple[str, str | None] | None:
    """The operating system and architecture of a constant ``--platform`` (None: a variable)."""
    if "$" in value:
        return None
    parts = value.strip("\"'").lower().split("/")
    system = parts[0]
    if not system:
        return None
    architecture = ARCHITECTURES.get(parts[1], parts[1]) if len(parts) > 1 else None
    return system, architecture


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each constant ``--platform`` its one-platform base image lacks."""
    for stage in build.dockerfile.stages:
        base = stage.base
        if not stage.base_resolved or base.registry not in HUB or "/" not in base.name:
            continue
        built_for = NAMESPACES.get(base.name.split("/", 1)[0])
        flag = next((f for f in stage.from_instruction.flags if f.name == "platform"), None)
        if built_for is None or flag is None or not flag.value:
            continue
        wanted = asked_for(flag.value)
        if wanted is None:
            continue
        system, architecture = wanted
        if system == built_for[0] and architecture in (None, built_for[1]):
            continue
        platform = flag.value.strip("\"'")
        multi = base.name.split("/", 1)[1]
        yield Problem(
            f"'{base.raw}' is built for {'/'.join(built_for)} only, but --platform asks for "
            f"{platform}; the stage would run emulated and ship the wrong architecture "
            f"(use the multi-platform image '{multi}')",
            flag.span,
        )


RULE = Rule(
    id="D104",
    name="base-image-platform-mismatch",
    severity=Severity.WARNING,
    summary="FROM --platform asks for a platform its one-architecture base image is not built for",
    check=check,
    aliases=("InvalidBaseImagePlatform",),
    tags=("platform", "portability"),
)
