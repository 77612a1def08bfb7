"""## What it does
Flags instruction keywords that are not in the casing most of the file uses: a `run` in
a file of upper-case keywords, and any keyword of mixed case (`From`, `EntryPoint`).
When lower and upper case are equally common, upper case wins. BuildKit's
`ConsistentInstructionCasing`.

## Why it matters
Keywords are how a reader finds the steps of a build; a file that mixes `RUN` and `run`
is harder to scan and to search (`grep ^RUN` misses half the steps).

## Example
```dockerfile
FROM python:3.11-slim
run pip install --no-cache-dir numpy==1.26.4
Copy app.py /app/
```

## Instead
```dockerfile
FROM python:3.11-slim
RUN pip install --no-cache-dir numpy==1.26.4
COPY app.py /app/
```

## Fix safety
The fix rewrites the keyword in the file's casing; Docker reads keywords in any case, so
it is safe.
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import keywords_as_written


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each keyword whose casing is not the file's."""
    dockerfile = build.dockerfile
    written = keywords_as_written(dockerfile)
    keywords = [(i, written[i.index]) for i in dockerfile.instructions]
    lower = sum(1 for _, k in keywords if k == k.lower())
    upper = sum(1 for _, k in keywords if k == k.upper())
    majority_lower = lower > upper
    for instruction, keyword in keywords:
        wanted = keyword.lower() if majority_lower else keyword.upper()
        if keyword != wanted:
            casing = "lower" if majority_lower else "upper"
            yield Problem(
                f"'{keyword}' should be {casing} case like the other instructions: '{wanted}'",
                instruction.keyword_span,
                Fix(f"write '{wanted}'", (Edit(instruction.keyword_span, wanted),)),
            )


RULE = Rule(
    id="D702",
    name="instruction-casing",
    severity=Severity.STYLE,
    summary="an instruction keyword is not in the casing the rest of the file uses",
    check=check,
    aliases=("ConsistentInstructionCasing",),
    tags=("style",),
    fixable=True,
)
