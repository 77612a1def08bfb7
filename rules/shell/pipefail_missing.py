"""## What it does
Flags the first pipeline (`a | b`) of a shell-form `RUN` when nothing turns on
`pipefail`: neither the `SHELL` in effect (`SHELL ["/bin/bash", "-o", "pipefail", "-c"]`,
set in the stage or a stage it is built `FROM`), nor `set -o pipefail` earlier in the
script, nor a `bash -o pipefail -c …` that runs it. `RUN`s under PowerShell or cmd are
left alone. `SHELL ["/bin/sh", "-o", "pipefail", "-c"]` does not count: Debian's `dash`
rejects the option.

## Why it matters
A pipeline's status is its last command's. In
`RUN curl -fsSL https://example.com/install.sh | sh` a failed download hands `sh` an
empty script, which succeeds: the step passes and the image ships without what it was
meant to install, a failure found at run time, far from its cause.

## Example
```dockerfile
RUN curl -fsSL https://example.com/model.tar.gz | tar -xz -C /models
```

## Instead
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/model.tar.gz | tar -xz -C /models
```

## Fix safety
No automatic fix: a `SHELL` line changes every later `RUN` of the stage.

## Differs from hadolint
- DL4006 (only hadolint): a `SHELL` that sets pipefail as separate words (`["zsh", "-o",
  "errexit", "-o", "pipefail", "-c"]`) sets it; hadolint does not see it.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._shell import is_posix, script_sets_pipefail, shell_sets_pipefail


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the first command of the first pipeline of every unguarded RUN."""
    for run in build.dockerfile.of("RUN"):
        first = next((c for c in run.commands if "pipeline" in c.within), None)
        if first is None or run.exec_form is not None or not is_posix(build, run):
            continue
        if shell_sets_pipefail(build, run):
            continue
        if script_sets_pipefail(run.commands, first):
            continue
        yield Problem(
            f"a failure of '{first.program}' in this pipeline is hidden; set "
            'SHELL ["/bin/bash", "-o", "pipefail", "-c"] before this RUN',
            first.words[0].span,
        )


RULE = Rule(
    id="D801",
    name="pipefail-missing",
    severity=Severity.WARNING,
    summary="a RUN pipes commands without pipefail, so a failure before | is hidden",
    check=check,
    aliases=("DL4006",),
    tags=("reliability", "shell"),
)
