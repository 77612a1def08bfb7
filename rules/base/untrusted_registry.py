"""## What it does
When the configuration lists `trusted-registries` (or the rule's own option
`registries`: `rules: {untrusted-registry: {registries: [ghcr.io]}}`), flags a `FROM`
whose image comes from any other registry. Images without a registry part come from
Docker Hub, named here `docker.io`. Without either setting the rule stays quiet.

## Why it matters
Platform teams mirror and scan approved base images in their own registry; an image
pulled from anywhere else skips that scanning and can disappear or change upstream.

## Example
```yaml
# .dlint.yaml
trusted-registries: [registry.example.com]
```
```dockerfile
FROM python:3.11-slim
```

## Instead
```dockerfile
FROM registry.example.com/mirror/python:3.11-slim
```

## Fix safety
No automatic fix: the mirror's path is yours to choose.
"""

from collections.abc import Iterator, Sequence

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build, registries: Sequence[str] = ()) -> Iterator[Problem]:
    """Yield a problem for each base image from a registry outside ``registries``."""
    if not registries:
        return
    trusted = {r.lower() for r in registries}
    for stage in build.dockerfile.stages:
        base = stage.base
        if stage.parent_stage is not None or base.is_scratch or not stage.base_resolved:
            continue
        registry = (base.registry or "docker.io").lower()
        if registry not in trusted:
            yield Problem(
                f"base image '{base.raw}' comes from '{registry}', which is not a trusted "
                f"registry ({', '.join(sorted(trusted))})",
                stage.from_instruction.arguments[0].span,
            )


RULE = Rule(
    id="D102",
    name="untrusted-registry",
    severity=Severity.WARNING,
    summary="FROM uses an image from a registry outside 'trusted-registries'",
    check=check,
    aliases=("DL3026",),
    tags=("security", "supply-chain"),
    options={"registries": []},
)
