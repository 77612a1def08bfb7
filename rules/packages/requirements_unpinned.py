"""## What it does
Flags each package line of a requirements file the image installs (`pip install -r
FILE`, and the files it includes with `-r`) that does not pin one exact version with
`==` (or `===`, or a direct URL). A package that a constraints file installed by the same
instruction pins exactly passes. The finding points at the line in the requirements file.
Hashes, environment markers, extras, comments and continuation lines are understood;
local paths, URLs and `-e` lines are not packages from an index and pass. dlint reads
the files it can trace from the `COPY` instructions into the build context.

## Why it matters
A requirements file with ranges resolves to whatever is newest on the day of the
build, so two builds of the same commit ship different libraries. For a model service
that means a model that loaded yesterday can fail, or answer differently, today.

## Example
```text
# requirements.txt
torch>=2.0
transformers
```

## Instead
```text
torch==2.3.1
transformers==4.44.2
```
Generate the pins with `pip-compile` or `uv pip compile` from a loose `requirements.in`,
or keep the loose file and add a constraints file: `pip install -r requirements.txt -c
constraints.txt`.

## Fix safety
No automatic fix: only you know which version you tested.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._run import constrained


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every unpinned package line of an installed requirements file."""
    for requirements in build.requirements:
        if requirements.constraint:
            continue
        pinned_names = constrained(build, requirements.installed_by)
        for requirement in requirements.requirements:
            if requirement.kind != "package" or requirement.pinned:
                continue
            if requirement.name in pinned_names:
                continue
            yield Problem(
                f"requirement '{requirement.spec}' is not pinned to one version; "
                f"pin it as '{requirement.name}==<version>' or in a constraints file",
                requirement.span,
                file=requirements.path,
            )


RULE = Rule(
    id="D201",
    name="requirements-unpinned",
    severity=Severity.WARNING,
    summary="a requirements file the image installs has a package without an exact == pin",
    check=check,
    tags=("reproducibility", "python"),
)
