"""## What it does
Flags a `RUN` that installs, upgrades or refreshes with `yum` and leaves its cache in the
layer: no `yum clean all` after the last `yum` command of the `RUN`, no `rm -rf
/var/cache/yum` after it, and no BuildKit cache or tmpfs mount on the cache folder. `dnf`
and `microdnf` are `dnf-cache-kept`'s. Only the final stage and the stages it is built
`FROM` are checked: a builder stage's cache never ships when its results are copied out
(hadolint checks every stage).

## Why it matters
`yum` keeps the repository metadata and the downloaded packages under `/var/cache`:
tens to hundreds of megabytes in every pull. A later `RUN` cannot remove them: each `RUN`
is a layer, and a file deleted in a later layer still ships in the earlier one.

## Example
```dockerfile
RUN yum install -y httpd-2.4.6
```

## Instead
```dockerfile
RUN yum install -y httpd-2.4.6 && yum clean all
```
Or mount the cache: `RUN --mount=type=cache,target=/var/cache/yum yum install -y httpd-2.4.6`.

## Fix safety
Safe: the clean command is added at the end of a shell-form `RUN` (not one that ends
in `&`, `;`, a comment or a heredoc), so the cache goes in the same layer. Nothing
installed needs the cache; a later install in another `RUN` downloads what it needs.

## Differs from hadolint
- DL3032 (only hadolint): only the final image's lineage is checked, and a cache mount on
  `/var/cache/yum` passes; hadolint flags a builder stage and the mount.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import YUM, cache_kept, clean_fix, commands_of, rpm_cleans_all

CACHES = ("/var/cache/yum",)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the first yum command whose cache stays in its layer."""
    for run in build.dockerfile.in_final_image("RUN"):
        kept = cache_kept(run, commands_of(run, "dnf", YUM), CACHES, rpm_cleans_all)
        if kept is not None:
            yield Problem(
                "yum's cache stays in this layer; end the RUN with 'yum clean all'",
                kept.verb.span,
                clean_fix(run, kept, "yum clean all", CACHES),
            )


RULE = Rule(
    id="D215",
    name="yum-cache-kept",
    severity=Severity.INFO,
    summary="a RUN that uses yum leaves its cache in the image (no yum clean all)",
    check=check,
    aliases=("DL3032", "DS-0015"),
    fixable=True,
    tags=("size", "yum"),
)
