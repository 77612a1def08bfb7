"""## What it does
Flags a `RUN` that starts a program which makes no sense while an image is built:
interactive tools (`vim`, `nano`, `top`), process and service control (`service`,
`systemctl`, `kill`, `ps`, `free`, `shutdown`, `reboot`), `ssh`, `mount` and `ifconfig`.
A package called `ssh` or `vim` in an install command is not a program run and passes.
hadolint DL3001.

## Why it matters
A build step has no terminal, no init system and no running services: `service nginx
start` starts a process that dies with the step, `vim` waits for input forever,
`systemctl` fails without systemd, and `mount` needs privileges the builder does not
have. What the step was meant to do has to happen at run time instead (`CMD`,
`ENTRYPOINT`, an entrypoint script).

## Example
```dockerfile
RUN service redis-server start && python warm_cache.py
```

## Instead
```dockerfile
COPY entrypoint.sh /usr/local/bin/
ENTRYPOINT ["entrypoint.sh"]
```
with the service started by the entrypoint at run time.

## Fix safety
No automatic fix: the step has to move to run time or go.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

UNFIT = frozenset(
    {
        "ssh",
        "vim",
        "vi",
        "nano",
        "shutdown",
        "reboot",
        "halt",
        "poweroff",
        "service",
        "systemctl",
        "ps",
        "free",
        "top",
        "htop",
        "kill",
        "mount",
        "ifconfig",
    }
)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each RUN command that only makes sense in a running system."""
    for _, command in commands_running(build.dockerfile, *UNFIT):
        yield Problem(
            f"'{command.program}' makes no sense while the image is built: there is no "
            "terminal, init system or running service; do it at run time",
            command.words[0].span,
        )


RULE = Rule(
    id="D721",
    name="unfit-command",
    severity=Severity.INFO,
    summary="RUN starts an interactive or system-control program (vim, service, ssh...)",
    check=check,
    aliases=("DL3001",),
    tags=("correctness",),
)
