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
`requirements.txt`, and a later `RUN pip install gunicorn`). The word then gets that exact
pin (extras kept). A version nobody wrote down is never guessed: only you know which one
you tested.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import pip_installs
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Instruction, Word
from dlint.requirements import URL_OR_PATH, is_pinned_spec, requirement_name
from dlint.rule import Rule

from ._run import constrained


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
    for run in build.dockerfile.of("RUN"):
        pinned_names = constrained(build, run)
        for pip in pip_installs(run):
            for word in pip.packages:
                found = unpinned(run, word, pinned_names)
                if found is None:
                    continue
                text, name = found
                yield Problem(
                    f"pip package '{text}' is not pinned to one version; "
                    f"install '{name}==<version>' or pin it in a constraints file",
                    word.span,
                    pin_fix(word, text, pins.get(name)),
                )


PIN = regex.compile(r"[A-Za-z0-9._-]+(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.+!_-]+)")
SPECIFIER = regex.compile(r"\s*(?:[<>=!~;@]|$)")


def pinned_in_context(build: Build) -> dict[str, str]:
    """Package name -> ``==version`` from the requirements and constraints files read."""
    pins = {}
    for requirement in (r for f in build.requirements for r in f.requirements):
        version = PIN.fullmatch(requirement.spec)
        if requirement.kind == "package" and requirement.pinned and version:
            pins[requirement.name] = f"=={version[1]}"
    return pins


def pin_fix(word: Word, text: str, spec: str | None) -> Fix | None:
    """``name[extras]==version`` for the word, when the context pins it."""
    if spec is None or not word.known:
        return None
    requirement = text[: SPECIFIER.search(text).start()] + spec  # type: ignore[union-attr]
    quote = word.raw[0] if word.raw[:1] in ("'", '"') else ""
    edit = Edit(word.span, f"{quote}{requirement}{quote}")
    return Fix(f"pin {requirement}", (edit,), False, changes=PINNED_FILES)


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
