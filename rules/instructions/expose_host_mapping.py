"""## What it does
Flags an `EXPOSE` argument with a host port or an IP address (`EXPOSE 8080:80`,
`EXPOSE 127.0.0.1:80:80`). BuildKit's `ExposeInvalidFormat`.

## Why it matters
`EXPOSE` only documents the container's port; which host port and address it is
published on is decided by `docker run -p` or the orchestrator. Docker ignores the host
part today, so the image does not do what the line says, and BuildKit will refuse it in
a future release.

## Example
```dockerfile
EXPOSE 127.0.0.1:8000:8000
```

## Instead
```dockerfile
EXPOSE 8000
```
and `docker run -p 127.0.0.1:8000:8000 IMAGE` where it runs.

## Fix safety
No automatic fix: the host mapping has to move to where the container is started.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import exposed_ports


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each EXPOSE argument with a host port or address."""
    for instruction in build.dockerfile.of("EXPOSE"):
        for spec in exposed_ports(instruction):
            if spec.ip or spec.host_port:
                yield Problem(
                    f"EXPOSE {spec.text} maps a host port or address, which EXPOSE cannot "
                    f"do; write EXPOSE {spec.port} and publish it with 'docker run -p'",
                    spec.word.span,
                )


RULE = Rule(
    id="D718",
    name="expose-host-mapping",
    severity=Severity.WARNING,
    summary="EXPOSE with a host port or IP address, which only 'docker run -p' can set",
    check=check,
    aliases=("ExposeInvalidFormat",),
    tags=("correctness", "ports"),
)
