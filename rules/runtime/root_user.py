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
Unsafe, when no `USER` is set: when the image already creates a user (`useradd`,
`adduser`), the fix switches to it (by UID when the command gives one); otherwise, after
the final stage's last build step (`RUN`, `COPY`, `ADD`, `WORKDIR`, `ENV`...) the fix
creates user and group `app` with UID/GID 10001 and a home folder (where caches go) the
way the base image can (`useradd` on Debian, Ubuntu and RHEL-style images, BusyBox
`addgroup`/`adduser` on Alpine; none on `scratch`, distroless and Chainguard images,
which have no shell) and switches to `USER 10001:10001`. The copied code stays owned by
root, which the service can read but not change; a service that writes into its own
folders needs those made writable, so review it. An explicit `USER root` is left to you.

## Differs from hadolint
- DL3002 (only dlint): a final stage with no `USER` at all runs as root too, and is flagged;
  hadolint flags only an explicit last `USER root` (or `0`) of a stage.
- DL3002 (only hadolint): hadolint flags a last `USER root` of every stage, builder stages
  too; a builder stage whose files are copied out runs nothing at run time, so dlint judges
  the final image only.
"""

from collections.abc import Iterator

from dlint.app import created_users
from dlint.edits import insert_after
from dlint.finding import Fix, Problem, Severity
from dlint.model import Build, Dockerfile, ImageRef, Stage
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
                user_fix(dockerfile, lineage[-1].base, lineage[0]),
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


UID = 10001
# Instructions that configure how the image runs: the USER goes before them, after every
# step that builds the file system (and may need root).
RUNTIME = ("CMD", "ENTRYPOINT", "HEALTHCHECK", "EXPOSE", "STOPSIGNAL", "LABEL", "VOLUME")


# What creating the user writes: the account databases (and the backups useradd keeps
# of them), the home folder. --no-log-init keeps it out of lastlog and faillog.
ACCOUNT_FILES = (
    *(
        f"files:/etc/{name}{suffix}"
        for name in ("passwd", "group", "shadow", "gshadow", "subuid", "subgid")
        for suffix in ("", "-")
    ),
    "files:/home/app/**",
)


def created_user(dockerfile: Dockerfile) -> str | None:
    """The user a ``useradd``/``adduser`` of the final image creates (its UID when given)."""
    for uid, name in created_users(dockerfile):
        return uid if uid and uid.isdigit() else name
    return None


def create_user(base: ImageRef) -> str | None:
    """The RUN line that creates user ``app`` on ``base``, or None when it has no shell."""
    name = base.name.rsplit("/", 1)[-1]
    if base.is_scratch or "distroless" in base.name or base.registry == "cgr.dev":
        return None
    if name == "alpine" or "alpine" in (base.tag or ""):
        return f"RUN addgroup -S -g {UID} app && adduser -S -D -u {UID} -G app app"
    return (
        f"RUN groupadd --gid {UID} app"
        f" && useradd --no-log-init --create-home --uid {UID} --gid app app"
    )


def user_fix(dockerfile: Dockerfile, base: ImageRef, final: Stage) -> Fix:
    """Switch to the user the image creates, or create one (as the base image can)."""
    steps = [i for i in final.instructions if i.keyword not in RUNTIME]
    made = created_user(dockerfile)
    changes: tuple[str, ...] = ("User",)
    if made is not None:
        lines = [f"USER {made}"]
    else:
        create = create_user(base)
        lines = [*([create] if create else []), f"USER {UID}:{UID}"]
        changes += ACCOUNT_FILES if create else ()
    edit = insert_after(dockerfile, steps[-1], lines)
    return Fix(
        "create an unprivileged user and switch to it",
        (edit,),
        False,
        reshapes=True,
        changes=changes,
    )


RULE = Rule(
    id="D400",
    name="root-user",
    severity=Severity.WARNING,
    summary="the final image runs as root",
    check=check,
    aliases=("DL3002", "DS-0002", "CKV_DOCKER_8", "CKV_DOCKER_3"),
    tags=("security",),
    fixable=True,
)
