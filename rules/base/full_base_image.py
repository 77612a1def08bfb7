"""## What it does
Flags a final image built on a full language or toolkit image when a smaller variant
exists: `python:3.11`, `python:3.11-bookworm`, `node:20` and `ruby:3.3` (use `-slim`),
a JDK image of `openjdk`/`eclipse-temurin` (use a `-jre`), a `-devel` image of
`nvidia/cuda` or `pytorch/pytorch` (use `-runtime`), and any `golang` or `rust` image
(ship the binary on distroless or scratch). The image that counts is the one at the root
of the final stage's lineage, so `FROM python:3.11 AS base` followed by `FROM base` is
flagged at the first `FROM`. Builder stages, tags with unresolved `ARG`s and tags that
already say `slim`, `alpine`, `jre` or `runtime` pass.

## Why it matters
Full images carry compilers, headers and documentation the service never uses: the
`python:3.11` image is about 1 GB against 130 MB for `python:3.11-slim`, and a CUDA
`devel` image adds several GB of toolkit. Every byte is pulled on each scale-up (slower
cold starts) and every extra package is an extra CVE to patch.

## Example
```dockerfile
FROM python:3.11
FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04
```

## Instead
```dockerfile
FROM python:3.11-slim
FROM nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04
```
Build wheels or compile extensions in a full builder stage and copy the results into the
slim final stage.

## Fix safety
Unsafe, where the smaller image is the same image with another tag (`python:3.11` ->
`python:3.11-slim`, a CUDA `devel` tag -> `runtime`): the `FROM` names it, registry kept.
The slim variant lacks compilers and system libraries the build may use, so check that
the image still builds and runs. No fix where the advice is a builder stage or a JRE
image, or the image comes through a build argument.
"""

import re
from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, ImageRef
from dlint.rule import Rule

HUBS = (None, "docker.io", "index.docker.io", "registry-1.docker.io", "mirror.gcr.io")
MIRRORS = ("public.ecr.aws", "nvcr.io")
SLIM_LANGUAGES = ("python", "node", "ruby")
JDKS = ("openjdk", "eclipse-temurin")
TOOLCHAINS = ("golang", "rust")
DEVEL_IMAGES = ("nvidia/cuda", "pytorch/pytorch")
DISTROS = frozenset(["latest", "bookworm", "bullseye", "buster", "trixie", "jammy", "noble"])
SMALL_MARKERS = ("slim", "alpine", "nanoserver", "windowsservercore")


def smaller_variant(base: ImageRef) -> str | None:
    """The smaller image to use instead of ``base``, or None when it is already small."""
    if base.registry not in HUBS + MIRRORS or (base.digest and not base.tag):
        return None
    name = re.sub(r"^(docker/)?library/", "", base.name)
    tag = (base.tag or "latest").lower()
    parts = tag.split("-")
    version = "" if parts[0] in DISTROS else parts[0]
    if name in TOOLCHAINS:
        return "the toolchain in a builder stage only, then 'scratch' or a distroless image,"
    if name in DEVEL_IMAGES and "devel" in parts:
        return f"'{name}:{'-'.join('runtime' if p == 'devel' else p for p in parts)}'"
    if name in JDKS and "jre" not in parts:
        return f"'eclipse-temurin:{version or '<version>'}-jre'"
    if any(marker in tag for marker in SMALL_MARKERS):
        return None
    if name in SLIM_LANGUAGES:
        return f"'{name}:{version}-slim'" if version else f"'{name}:slim'"
    return None


# Another base image: any of its files may differ (the point of the fix is fewer), and so
# may the variables and labels it sets. Not measured: there is no registry to pull the
# full image from here; what stays checked is the start command, user, ports, health check.
OTHER_BASE = ("files:/**", "Env", "Labels")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem when the final image's root stage uses a full image."""
    lineage = build.dockerfile.final_lineage
    if not lineage:
        return
    root = lineage[-1]
    if not root.base_resolved or root.base.is_scratch:
        return
    instead = smaller_variant(root.base)
    if instead is not None:
        word = root.from_instruction.arguments[0]
        fix = None
        name, _, tag = instead.strip("'").rpartition(":")
        same = name.rsplit("/", 1)[-1] == root.base.name.rsplit("/", 1)[-1]
        if instead.startswith("'") and same and "<" not in tag and word.text == root.base.raw:
            replacement = root.base.with_tag(tag)
            fix = Fix(
                f"use {replacement}",
                (Edit(word.span, replacement),),
                safe=False,
                changes=OTHER_BASE,
            )
        yield Problem(
            f"the final image is built on the full image '{root.base.raw}'; use {instead} "
            "to ship a smaller image with fewer vulnerabilities",
            word.span,
            fix,
        )


RULE = Rule(
    id="D101",
    name="full-base-image",
    severity=Severity.INFO,
    summary="the final stage is built on a full image when a slim variant exists",
    check=check,
    fixable=True,
    tags=("size", "security"),
)
