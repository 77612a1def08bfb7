"""## What it does
Flags an `EXPOSE` port that is not a number from 0 to 65535, a range whose start is
after its end, and a protocol other than `tcp`, `udp` and `sctp`. Ports given through
variables are checked with the values in scope; unknown ones are left alone. hadolint
DL3011 and Trivy DS-0008 check the range.

## Why it matters
Docker refuses the build at that line (`invalid containerPort`), usually after every
earlier layer, the slow dependency install included, has been built.

## Example
```dockerfile
EXPOSE 80000
EXPOSE 9000-8000 8080/http
```

## Instead
```dockerfile
EXPOSE 8000
EXPOSE 8000-9000 8080/tcp
```

## Fix safety
No automatic fix: only you know which port the server listens on.

## Differs from hadolint
- DL3011 (only dlint): a reversed range (`9000-8000`), an unknown protocol (`8080/http`) and
  a port from a variable (`${PORT}` is `99999`) are flagged; hadolint checks literal numbers
  only.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import exposed_ports, port_range

MAX_PORT = 65535
PROTOCOLS = frozenset({"tcp", "udp", "sctp"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each EXPOSE argument Docker would refuse."""
    for instruction in build.dockerfile.of("EXPOSE"):
        for spec in exposed_ports(instruction):
            ports = port_range(spec.port)
            if ports is None:
                what = f"'{spec.port}' is not a port number"
            elif max(ports) > MAX_PORT:
                what = f"port {max(ports)} is out of range: ports go from 0 to {MAX_PORT}"
            elif ports[0] > ports[1]:
                what = f"the range {spec.port} ends before it starts"
            elif spec.protocol is not None and spec.protocol.lower() not in PROTOCOLS:
                what = f"'{spec.protocol}' is not a protocol: use tcp, udp or sctp"
            else:
                continue
            yield Problem(f"EXPOSE {spec.text}: {what}", spec.word.span)


RULE = Rule(
    id="D719",
    name="expose-port-invalid",
    severity=Severity.ERROR,
    summary="EXPOSE names a port outside 0-65535, a reversed range or an unknown protocol",
    check=check,
    aliases=("DL3011", "DS-0008"),
    tags=("correctness", "ports"),
)
