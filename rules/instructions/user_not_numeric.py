"""## What it does
Flags a final image whose `USER` is a name rather than a numeric UID (`USER app`
instead of `USER 10001`); `root` is `root-user`'s business, and a user given through a
build argument passes. Only the `USER` the final image runs as counts: one in a builder
stage changes nothing at run time. hadolint DL3066 flags every `USER` of every stage.

## Why it matters
Kubernetes cannot tell whether a named user is root: a pod with `runAsNonRoot: true`
(the default of restricted Pod Security, OpenShift and most platform teams) refuses to
start the container with `image has non-numeric user (app), cannot verify user is
non-root`. A numeric UID also keeps files on mounted volumes owned by a predictable id.

## Example
```dockerfile
RUN useradd --uid 10001 app
USER app
```

## Instead
```dockerfile
RUN useradd --uid 10001 app
USER 10001:10001
```

## Fix safety
Safe where the image's own `useradd`/`adduser` gives the name its UID (`-u`/`--uid`): the
name becomes that UID (and a group name its GID, when a `groupadd`/`addgroup -g` gives
one). Docker looks the UID up in `/etc/passwd` for its home and primary group, so the
process runs as before. Unsafe where the `useradd`/`adduser` that creates the user states
no UID: it gets `--uid 10001` (BusyBox's `adduser`: `-u`; the next free one when the file
already uses 10001) and `USER` that UID. The UID the command picked before was the next
free one of the base image's `/etc/passwd`, so the user's files (its home, what a
`--chown` gives it) get another owner, which matters for volumes written by an earlier
image.

## Differs from hadolint
- DL3066 (only hadolint): hadolint flags every named `USER` of every stage, also builder
  stages and `USER root` (`root-user`'s business), and a `USER ${VAR}` it cannot resolve;
  dlint flags only the user the final image runs as, with variables resolved.
"""

import posixpath
from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build, Dockerfile, Word
from dlint.rule import Rule

from ..serving._serving import workdir_at

ID_OPTIONS = {"useradd": ("-u", "--uid"), "adduser": ("-u", "--uid"), "groupadd": ("-g", "--gid")}
ID_OPTIONS["addgroup"] = ("-g", "--gid")


def numeric_ids(dockerfile: Dockerfile) -> dict[tuple[str, str], str]:
    """(``user``/``group``, name) -> id, as the image's account commands state them."""
    ids: dict[tuple[str, str], str] = {}
    for run in dockerfile.in_final_image("RUN"):
        for command in run.commands:
            options = ID_OPTIONS.get(command.program)
            if options is None:
                continue
            argv = command.argv
            number = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a in options), None)
            names = [a for a in argv[1:] if not a.startswith("-") and a != number]
            if number and number.isdigit() and names:
                kind = "group" if command.program in ("groupadd", "addgroup") else "user"
                ids[(kind, names[-1])] = number
    return ids


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem when the final image's USER is a name, not a UID."""
    users = build.dockerfile.in_final_image("USER")
    if not users or not users[-1].arguments:
        return
    instruction = users[-1]
    word = instruction.arguments[0]
    resolved = instruction.resolve(word.text)
    user = resolved.text.partition(":")[0]
    if not resolved.complete or "$" in word.text or user.isdigit() or user == "root":
        return
    ids = numeric_ids(build.dockerfile)
    group = resolved.text.partition(":")[2]
    fix = None
    uid, gid = ids.get(("user", user)), ids.get(("group", group)) if group else ""
    if uid is not None and gid is not None and word.text == resolved.text:
        text = f"{uid}:{gid}" if gid else uid
        fix = Fix(f"use UID {text}", (Edit(word.span, text),), changes=("User",))
    elif uid is None and word.text == resolved.text:
        fix = uid_fix(build.dockerfile, user, group, word, ids)
    yield Problem(
        f"USER '{user}' is a name: Kubernetes' runAsNonRoot cannot verify it is not root; "
        "use the numeric UID (and GID)",
        word.span,
        fix,
    )


FIRST_UID = 10001
# What giving the account a UID changes: the account databases and the log databases
# (sized by the highest UID); and the owner of what belongs to the user (owned_by()).
UID_CHANGES = (
    "User",
    *(
        f"files:/etc/{name}{suffix}"
        for name in ("passwd", "group", "shadow")
        for suffix in ("", "-")
    ),
    *("files:/etc/gshadow", "files:/etc/gshadow-", "files:/var/log/lastlog"),
    "files:/var/log/faillog",
)


def uid_fix(
    dockerfile: Dockerfile, user: str, group: str, word: Word, ids: dict[tuple[str, str], str]
) -> Fix | None:
    """Give the ``useradd``/``adduser`` that creates ``user`` a UID (the first free one from
    10001) and run as it: unsafe, the user's files get another owner than before."""
    taken = set(ids.values())
    uid = next(str(n) for n in range(FIRST_UID, FIRST_UID + 1000) if str(n) not in taken)
    for run in dockerfile.in_final_image("RUN"):
        for command in run.commands:
            if command.program not in ("useradd", "adduser") or command.conditional:
                continue
            argv = command.argv
            if len(argv) < 2 or argv[-1] != user or not command.words[0].known:
                continue
            # BusyBox's adduser (Alpine) takes -u; Debian's adduser and useradd --uid.
            busybox = command.program == "adduser" and any(a in ("-D", "-S") for a in argv)
            option = f" -u {uid}" if busybox else f" --uid {uid}"
            program = command.words[0].span.end
            edits = (Edit(Span(program, program), option), Edit(word.span, _with_group(uid, group)))
            owned = owned_by(dockerfile, user)
            owners = tuple(f"owners:{path}{tail}" for path in owned for tail in ("", "/**"))
            return Fix(
                f"create '{user}' with UID {uid} and run as it",
                edits,
                False,
                changes=(*UID_CHANGES, *owners),
            )
    return None


def owned_by(dockerfile: Dockerfile, user: str) -> list[str]:
    """Where the final image gives files to ``user`` by name: its home folder, the
    destinations of ``COPY --chown=user``, the paths of ``RUN chown user``."""
    paths = [f"/home/{user}"]
    for instruction in dockerfile.in_final_image("COPY", "ADD"):
        copy = dockerfile.copy_of(instruction)
        if copy is not None and copy.chown and copy.chown.split(":")[0] == user:
            paths.append(posixpath.normpath(copy.destination))
    for run in dockerfile.in_final_image("RUN"):
        for command in run.commands:
            words = [w.text for w in command.arguments if not w.text.startswith("-")]
            if command.program == "chown" and words and words[0].split(":")[0] == user:
                cwd = workdir_at(dockerfile, run)
                paths += [posixpath.normpath(posixpath.join(cwd, w)) for w in words[1:]]
    return paths


def _with_group(uid: str, group: str) -> str:
    return f"{uid}:{group}" if group else uid


RULE = Rule(
    id="D736",
    name="user-not-numeric",
    severity=Severity.INFO,
    summary="the final image's USER is a name, which runAsNonRoot cannot verify",
    check=check,
    aliases=("DL3066",),
    tags=("security", "kubernetes"),
    fixable=True,
)
