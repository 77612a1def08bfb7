"""## What it does
Flags a final image that runs as root: no `USER` anywhere in the final stage's lineage
(a `USER` in a stage it is built `FROM` carries over; one in a builder stage it only
copies from does not), or a last `USER` of `root` or uid `0`, with or without a group.
Users given through variables are resolved; an unresolved one is left alone. Base images
known to run as a non-root user (distroless `:nonroot` tags, Chainguard images) pass.

## Why it matters
A model server running as root turns any remote-code bug (a pickle load, a template
injection, a vulnerable image library) into root inside the container, and with a
mounted volume or a kernel bug, on the host. Many clusters also refuse root pods.

## Example
```dockerfile
FROM python:3.11-slim
COPY . /app
CMD ["gunicorn", "app:app"]
```

## Instead
```dockerfile
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 app
COPY --chown=app . /app
USER 10001:10001
CMD ["gunicorn", "app:app"]
```

## Fix safety
No automatic fix: the user must exist and own the files the app writes.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, ImageRef
from dlint.rule import Rule

from ._image import last

ROOT = ("root", "0")


def runs_non_root(base: ImageRef) -> bool:
    """True for base images whose default user is not root."""
    tag = base.tag or ""
    if "distroless" in base.name.split("/"):
        return "nonroot" in tag
    return base.registry == "cgr.dev" and not tag.endswith("-dev")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem when the final image's user is root, set or by default."""
    dockerfile = build.dockerfile
    lineage = dockerfile.final_lineage
    if not lineage:
        return
    user = last(dockerfile, "USER")
    if user is None:
        root = lineage[-1]
        if not root.from_instruction.arguments[0].text.startswith("$") and not runs_non_root(
            root.base
        ):
            yield Problem(
                "the final image runs as root: no USER is set; create an unprivileged user "
                "and switch to it with USER",
                lineage[0].from_instruction.keyword_span,
            )
        return
    if not user.arguments:
        return
    word = user.arguments[0]
    resolved = user.resolve(word.text)
    if resolved.complete and resolved.text.partition(":")[0] in ROOT:
        yield Problem(
            f"the final image runs as root (USER {resolved.text}); switch to an "
            "unprivileged user such as USER 10001:10001",
            word.span,
        )


RULE = Rule(
    id="D400",
    name="root-user",
    severity=Severity.WARNING,
    summary="the final image runs as root",
    check=check,
    aliases=("DL3002", "DS-0002", "CKV_DOCKER_8", "CKV_DOCKER_3"),
    tags=("security",),
)
