"""## What it does
Flags an empty line inside an instruction that is continued with a backslash (or the
`# escape=` character): the instruction goes on after it. A comment line inside a
continuation is fine. BuildKit's `NoEmptyContinuation`.

## Why it matters
Docker skips such a line today, but has deprecated it and will refuse it in a future
release. It also hides mistakes: a forgotten backslash before the blank line makes the
next instruction part of this one (`EXPOSE 8000` ending in a backslash, a blank line,
then `RUN ...` exposes a port called `RUN`).

## Example
```dockerfile
RUN apt-get update \

    && apt-get install -y --no-install-recommends libgomp1
```

## Instead
```dockerfile
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1
```

## Fix safety
Safe: the empty line is deleted. Docker today reads the instruction as if it were not
there, so the image stays the same; only the lines after it move up.
"""

from collections.abc import Iterator

from dlint.edits import remove_lines
from dlint.finding import Fix, Problem, Severity, Span
from dlint.model import Build
from dlint.rule import Rule

SPACE = " \t\r\v\f"


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each empty line inside a continued instruction."""
    lines = build.dockerfile.text.split("\n")
    for instruction in build.dockerfile.instructions:
        segments = instruction.segments
        if not segments:
            continue
        first = instruction.span.start.line
        last = segments[0].line if len(segments) == 1 else max(seg.line for seg in segments)
        for number in range(first + 1, last):
            line = lines[number - 1]
            if line.strip(SPACE):
                continue
            fix = Fix(
                "delete the empty line",
                (remove_lines(build.dockerfile, number, number),),
                reshapes=True,  # the lines after it move up
            )
            yield Problem(
                f"empty line inside the continued {instruction.keyword} of line {first}; "
                "Docker will refuse it in a future release",
                Span.of(number, 1, number, len(line.removesuffix("\r")) + 1),
                fix,
            )


RULE = Rule(
    id="D703",
    name="empty-continuation-line",
    severity=Severity.WARNING,
    summary="an empty line inside a continued instruction (deprecated by Docker)",
    check=check,
    aliases=("NoEmptyContinuation",),
    tags=("syntax",),
    fixable=True,
)
