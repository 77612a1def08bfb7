"""## What it does
Flags an `EXPOSE` protocol that is not lower case (`EXPOSE 8000/TCP`). BuildKit's
`ExposeProtoCasing`.

## Why it matters
Docker accepts any casing here but writes the protocol in lower case everywhere else
(`docker inspect`, `docker port`, compose files); a lower-case `tcp` keeps the image's
metadata and the Dockerfile searchable alike.

## Example
```dockerfile
EXPOSE 8000/TCP
```

## Instead
```dockerfile
EXPOSE 8000/tcp
```

## Fix safety
The fix lower-cases the protocol; Docker reads both alike, so it is safe.
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import exposed_ports


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each EXPOSE protocol with upper-case letters."""
    for instruction in build.dockerfile.of("EXPOSE"):
        for spec in exposed_ports(instruction):
            if spec.protocol is None or spec.protocol == spec.protocol.lower():
                continue
            fix = None
            if spec.word.raw == spec.text:
                lowered = spec.text.rpartition("/")[0] + "/" + spec.protocol.lower()
                fix = Fix(f"write {lowered}", (Edit(spec.word.span, lowered),))
            yield Problem(
                f"protocol '{spec.protocol}' in EXPOSE {spec.text} should be lower case",
                spec.word.span,
                fix,
            )


RULE = Rule(
    id="D717",
    name="expose-protocol-casing",
    severity=Severity.STYLE,
    summary="an EXPOSE protocol is not lower case",
    check=check,
    aliases=("ExposeProtoCasing",),
    tags=("style", "ports"),
    fixable=True,
)
