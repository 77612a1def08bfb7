"""## What it does
Flags each package that a `pip install` in a `RUN` names without one exact version
(`name==1.2.3`). Ranges (`>=`, `~=`, `<`) and wildcards (`==1.*`) are not pins. Local
paths (`.`, `./pkg`, `/wheels/x.whl`), URLs, editable installs and `-r` files are left
to other rules, and `torch==${TORCH_VERSION}` counts as pinned. A package that a
constraints file (`-c constraints.txt`) of the same instruction pins exactly passes when
dlint can read that file in the build context. Upgrading pip, setuptools or wheel
themselves (`pip install --upgrade pip`) is flagged like any other package. Covers
`pip`, `pip3`, `python -m pip` and `uv pip`, shell and exec form, heredoc scripts.

## Why it matters
An unpinned package resolves to whatever is newest on the day of the build. A rebuild
of the same commit can pull a new major version of `numpy` or `torch` and a model that
worked yesterday fails to load or silently gives different results.

## Example
```dockerfile
RUN pip install --no-cache-dir torch "transformers>=4.40" --upgrade pip
```

## Instead
```dockerfile
RUN pip install --no-cache-dir pip==24.2 torch==2.3.1 transformers==4.44.2
```
Or keep the versions in a requirements or constraints file:
`pip install -r requirements.txt -c constraints.txt`.

## Fix safety
Unsafe, and only where the build context already says the version: a requirements or
constraints file the image installs pins the package (`gunicorn==23.0.0` in
`requirements.txt`, and a later `RUN pip install gunicorn`), or else the project's
`uv.lock` or `poetry.lock` at the top of the context locks it (from an index, at one
version). The word then gets that exact pin (extras and marker kept), and only when the
version meets the range the word already states (`"uvicorn>=0.20"`). Otherwise, only with
`--from-index`: the version pip's resolver installs for this `pip install` today, on the
base image's Python (docs/fixes.md, "Fixes that ask the package index"). A version
nobody wrote down or resolved is never guessed.

## Differs from hadolint
- DL3013 (only hadolint): hadolint's DL3013 also flags VCS and URL installs and `pipx`/`uv
  tool`; dlint reports those under `pip-vcs-unpinned`, `python-tool-unpinned` and
  `unpinned-remote-source`, and leaves a package list in an unset build argument (`pip
  install $EXTRA_PACKAGES`) alone.
- DL3013 (only dlint): version ranges (`>=4.40`, `~=1.13`, `==2.*`, `<1`) are not pins and
  are flagged, as are `uv pip install`, heredoc and exec-form installs and pip options
  before the subcommand; a constraints file (`-c`) does not pin what is not in it. hadolint
  accepts ranges and misses those forms.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import pip_installs, runs_using
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Instruction, Word
from dlint.requirements import (
    URL_OR_PATH,
    is_pinned_spec,
    pinned_requirement,
    requirement_name,
)
from dlint.rule import Rule

from ._run import constrained, index_versions


def unpinned(run: Instruction, word: Word, pinned_names: set[str]) -> tuple[str, str] | None:
    """Requirement text and name of ``word`` when it names a package without a pin."""
    resolved = run.resolve(word.text)
    text = resolved.text if resolved.complete else word.text
    if not text or text.startswith(("$", "`")) or "/" in text or URL_OR_PATH.search(text):
        return None
    name = requirement_name(text)
    if is_pinned_spec(text) or name is None or name in pinned_names:
        return None
    return text, name


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every package word of a pip install that lacks an exact pin."""
    pins = pinned_in_context(build)
    for run in runs_using(build.dockerfile, "pip"):
        pinned_names = constrained(build, run)
        for pip in pip_installs(run):
            resolved: tuple[dict[str, str], str] | None = None
            for word in pip.packages:
                found = unpinned(run, word, pinned_names)
                if found is None:
                    continue
                text, name = found
                pin = pins.get(name) or build.locked_version(name)
                fix = pin_fix(word, text, pin)
                if pin is None and build.index is not None:
                    # Only what pip resolves this very install to, today (--from-index).
                    resolved = resolved or index_versions(build, run, pip)
                    version = resolved[0].get(name) if resolved else None
                    if resolved and version:
                        fix = pin_fix(word, text, (version, resolved[1]), changes=())
                yield Problem(
                    f"pip package '{text}' is not pinned to one version; "
                    f"install '{name}==<version>' or pin it in a constraints file",
                    word.span,
                    fix,
                )


PIN = regex.compile(r"[A-Za-z0-9._-]+(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.+!_-]+)")


def pinned_in_context(build: Build) -> dict[str, tuple[str, str]]:
    """Package name -> (version, file) from the requirements and constraints files read."""
    pins = {}
    for file in build.requirements:
        for requirement in file.requirements:
            version = PIN.fullmatch(requirement.spec)
            if requirement.kind == "package" and requirement.pinned and version:
                pins[requirement.name] = (version[1], file.path)
    return pins


def pin_fix(
    word: Word, text: str, pin: tuple[str, str] | None, changes: tuple[str, ...] | None = None
) -> Fix | None:
    """``name[extras]==version`` for the word, when the context pins or locks it (or the
    index resolves it); ``changes`` is what the image may differ in (by default: another
    version of the package)."""
    if pin is None or not word.known:
        return None
    requirement = pinned_requirement(text, pin[0])
    if requirement is None:
        return None
    quote = word.raw[0] if word.raw[:1] in ("'", '"') else ""
    edit = Edit(word.span, f"{quote}{requirement}{quote}")
    changes = PINNED_FILES if changes is None else changes
    return Fix(f"pin {requirement} (from {pin[1]})", (edit,), False, changes=changes)


# Another version of the package (and of what it depends on) where pip installs it, and
# its scripts. Not measured here: it needs an index with two versions.
PINNED_FILES = (
    "files:**/site-packages/**",
    "files:**/dist-packages/**",
    "files:/usr/local/bin/**",
)


RULE = Rule(
    id="D200",
    name="pip-unpinned",
    severity=Severity.WARNING,
    summary="pip install names a package without an exact == version",
    check=check,
    aliases=("DL3013",),
    fixable=True,
    tags=("reproducibility", "python"),
)
