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
No automatic fix: dlint cannot know the UID that `useradd` gave the name.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


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
    yield Problem(
        f"USER '{user}' is a name: Kubernetes' runAsNonRoot cannot verify it is not root; "
        "use the numeric UID (and GID)",
        word.span,
    )


RULE = Rule(
    id="D736",
    name="user-not-numeric",
    severity=Severity.INFO,
    summary="the final image's USER is a name, which runAsNonRoot cannot verify",
    check=check,
    aliases=("DL3066",),
    tags=("security", "kubernetes"),
)
