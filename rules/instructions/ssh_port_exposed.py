"""## What it does
Flags an `EXPOSE` of port 22, alone or inside a range. Trivy DS-0004 and Checkov
CKV_DOCKER_1.

## Why it matters
Port 22 means an SSH server in the container: another long-lived process beside the
model server, host keys baked into the image (the same on every replica), and a login
service on the network. `docker exec` and `kubectl exec` give a shell without one.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
EXPOSE 22 8000
```

## Instead
```dockerfile
EXPOSE 8000
```
and `docker exec -it CONTAINER sh` (or `kubectl exec`) to look inside.

## Fix safety
No automatic fix: the SSH server has to go too.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import exposed_ports, port_range

SSH = 22


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each EXPOSE argument that includes port 22."""
    for instruction in build.dockerfile.of("EXPOSE"):
        for spec in exposed_ports(instruction):
            ports = port_range(spec.port)
            if ports is not None and ports[0] <= SSH <= ports[1] and spec.protocol != "udp":
                yield Problem(
                    f"EXPOSE {spec.text} opens the SSH port; use 'docker exec' instead of "
                    "an SSH server in the container",
                    spec.word.span,
                )


RULE = Rule(
    id="D720",
    name="ssh-port-exposed",
    severity=Severity.WARNING,
    summary="EXPOSE opens port 22: an SSH server in the container",
    check=check,
    aliases=("DS-0004", "CKV_DOCKER_1"),
    tags=("security", "ports"),
)
