"""## What it does
Flags `ENV` and `LABEL` in the legacy form `ENV KEY value`, without an `=`. BuildKit's
`LegacyKeyValueFormat`.

## Why it matters
The legacy form is deprecated, sets one variable only, and takes everything after the
key as the value, spaces and continuation lines included: `ENV PIP_NO_CACHE_DIR 1`,
continued on the next line with `PYTHONUNBUFFERED 1`, sets one variable to
`1 PYTHONUNBUFFERED 1`.

## Example
```dockerfile
ENV MODEL_DIR /opt/models
LABEL version 1.0
```

## Instead
```dockerfile
ENV MODEL_DIR=/opt/models
LABEL version=1.0
```

## Fix safety
For a one-line value without spaces or quotes the fix writes `KEY=value`, which Docker
reads the same way: safe. Other values are left to you (quoting changes their meaning).
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ENV or LABEL written as 'KEY value'."""
    for instruction in build.dockerfile.of("ENV", "LABEL"):
        words = instruction.arguments
        if not words or "=" in words[0].text:
            continue
        keyword, key = instruction.keyword, words[0]
        fix = None
        if len(words) == 2 and key.span.start.line == words[1].span.end.line:
            value = words[1]
            if value.raw == value.text and not any(c in value.raw for c in "\"'\\"):
                edit = Edit(Span(key.span.start, value.span.end), f"{key.raw}={value.raw}")
                fix = Fix(f"write {key.text}={value.text}", (edit,))
        yield Problem(
            f"'{keyword} {key.text} value' is the deprecated legacy form; "
            f"write '{keyword} {key.text}=value'",
            key.span,
            fix,
        )


RULE = Rule(
    id="D712",
    name="legacy-key-value",
    severity=Severity.INFO,
    summary="ENV or LABEL in the deprecated 'KEY value' form, without '='",
    check=check,
    aliases=("LegacyKeyValueFormat",),
    tags=("deprecated", "syntax"),
    fixable=True,
)
