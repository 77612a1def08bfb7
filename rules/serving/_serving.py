"""Helpers shared by the serving rules: the app the image runs, users, paths, workdirs."""

from __future__ import annotations

import posixpath

from dlint import regex
from dlint.app import App, build_app, created_users, last
from dlint.model import Build, Dockerfile, Instruction

ROOT_USERS = frozenset({"root", "0"})


def app_of(build: Build) -> App:
    """What the final image runs; the code is unknown when there is no build context."""
    return build.app if build.app is not None else build_app(build.dockerfile)


def runtime_user(dockerfile: Dockerfile) -> tuple[str, Instruction] | None:
    """The user (name or uid, without the group) the final image runs as, when not root."""
    user = last(dockerfile, "USER")
    if user is None or not user.arguments:
        return None
    name = user.resolve(user.arguments[0].text).text.split(":", 1)[0]
    return None if name in ROOT_USERS or not name else (name, user)


def user_ids(dockerfile: Dockerfile) -> dict[str, str]:
    """uid -> name and name -> uid from ``useradd -u N name`` / ``adduser -u N name``."""
    pairs: dict[str, str] = {}
    for uid, name in created_users(dockerfile):
        if uid:
            pairs[uid], pairs[name] = name, uid
    return pairs


ACCOUNT_TOOLS = frozenset({"useradd", "adduser", "groupadd", "addgroup"})


def accounts_created(dockerfile: Dockerfile, before: int | None = None) -> set[str]:
    """Names ``useradd``/``adduser``/``groupadd``/``addgroup`` create in the final image's
    ``RUN`` instructions (those before index ``before`` only, when given)."""
    names: set[str] = set()
    for run in dockerfile.in_final_image("RUN"):
        if before is not None and run.index >= before:
            continue
        for command in run.commands:
            if command.program in ACCOUNT_TOOLS:
                operands = [a for a in command.argv[1:] if not a.startswith("-")]
                names.update(operands[-1:])
    return names


def same_user(dockerfile: Dockerfile, owner: str, user: str) -> bool:
    """True when ``owner`` (``name[:group]`` of a chown) is the runtime ``user``."""
    name = owner.split(":", 1)[0].split(".", 1)[0]
    if not name:
        return False
    ids = user_ids(dockerfile)
    return name == user or ids.get(name) == user or ids.get(user) == name


def workdir_at(dockerfile: Dockerfile, instruction: Instruction) -> str:
    """The ``WORKDIR`` in effect when ``instruction`` runs (final image lineage)."""
    path = "/"
    for workdir in dockerfile.in_final_image("WORKDIR"):
        if workdir.index >= instruction.index:
            break
        if workdir.arguments:
            target = workdir.resolve(workdir.arguments[0].text).text
            path = posixpath.normpath(posixpath.join(path, target))
    return path


def covers(folder: str, path: str) -> bool:
    """True when ``path`` is ``folder`` or lies inside it."""
    folder = folder.rstrip("/") or "/"
    path = path.rstrip("/") or "/"
    return folder == "/" or path == folder or path.startswith(folder + "/")


RECURSIVE = regex.compile(r"^-[A-Za-z]*R[A-Za-z]*$|^--recursive$")
