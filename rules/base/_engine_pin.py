"""The exact reference of a base image, as the local Docker engine shows it.

Shared by ``base-image-unpinned`` and ``base-image-floating-tag``. Only an engine the run
asked (``--from-engine``) answers, and only for an image it has: its registry digest
(``RepoDigests``), and for the official images (``python``, ``node``, ``golang``...) the
release their ``<NAME>_VERSION`` environment variable states, which is how those images
name their exact tags (``PYTHON_VERSION=3.11.9`` -> ``python:3.11.9-slim``). Another
image's environment may be inherited from its own base, so for it only the digest counts.
"""

from __future__ import annotations

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Edit, Fix
from dlint.model import Build, Stage

TAG = regex.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
# A tag that names a release line: "3.11-slim", "3", "20-alpine" (one or two numbers).
RELEASE_LINE = regex.compile(r"(?P<line>[0-9]+(?:\.[0-9]+)?)(?P<variant>-[A-Za-z0-9._-]+)?")


def floating_bases(build: Build) -> Iterator[Stage]:
    """Stages built from an outside image (not a stage, not ``scratch``) with no digest,
    whose reference is known after ``ARG`` substitution."""
    for stage in build.dockerfile.stages:
        base = stage.base
        outside = stage.parent_stage is None and not base.is_scratch
        if outside and not base.digest and stage.base_resolved:
            yield stage


def official(stage: Stage) -> bool:
    """True for a Docker Hub official image (``python``, ``library/python``)."""
    base = stage.base
    return base.registry in (None, "docker.io", "index.docker.io") and "/" not in (
        base.name.removeprefix("library/")
    )


def exact_reference(build: Build, stage: Stage) -> tuple[str, bool] | None:
    """The pinned reference for the stage's base image, and whether it is the very image
    the engine has (a digest, nothing else changed); None when the engine does not say."""
    engine, base = build.engine, stage.base
    if engine is None or base.digest or base.is_scratch or not stage.base_resolved:
        return None
    facts = engine.image(base.raw)
    if facts is None:
        return None
    name = f"{base.registry}/{base.name}" if base.registry else base.name
    digest = facts.digest_of(name)
    tag = base.tag if base.tag not in (None, "latest") else None
    release = facts.env.get(f"{base.repository.upper().replace('-', '_')}_VERSION")
    exact = None
    if official(stage) and release and TAG.fullmatch(release):
        line = RELEASE_LINE.fullmatch(tag or "")
        if tag is None:
            exact = release
        elif line and release.startswith(f"{line['line']}."):
            exact = release + (line["variant"] or "")
    if exact is None and digest is None:
        return None
    at = f"@{digest}" if digest else ""
    if exact is None and tag is None:
        return f"{name}{at}", True  # never written as latest
    return f"{name}:{exact or tag}{at}", exact is None


def pin_fix(build: Build, stage: Stage) -> Fix | None:
    """The unsafe fix writing :func:`exact_reference` over the ``FROM`` image word."""
    word = stage.from_instruction.arguments[0] if stage.from_instruction.arguments else None
    found = None if word is None or "$" in word.raw else exact_reference(build, stage)
    if word is None or found is None:
        return None
    reference, same_image = found
    # A digest of the image the engine has builds the same image; a release tag is
    # another image to pull (the registry's build of that release), like full-base-image.
    changes = () if same_image else ("files:/**", "Env", "Labels")
    edit = Edit(word.span, reference)
    return Fix(
        f"pin the base image to {reference} (the local engine)", (edit,), False, changes=changes
    )
