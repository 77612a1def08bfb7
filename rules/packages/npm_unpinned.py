"""## What it does
Flags each package that `npm install` (`npm i`, `npm add`) names without an exact
version: `express` and `express@latest`, and also a range such as `express@^4.19` or
`@org/lib@">=0.1.0"`, which hadolint accepts. A git dependency pinned to a commit or tag
(`github:org/repo#v1.2.0`), a tarball, a folder and a bare `npm install` / `npm ci` (which
read `package.json` and the lock file) pass.

## Why it matters
Without an exact version npm installs whatever the registry holds on the day of the build,
so a rebuild of the same commit can ship a different, possibly broken or compromised,
package. A range is the same problem with a smaller radius.

## Example
```dockerfile
RUN npm install -g pm2 @google/gemini-cli@latest
```

## Instead
```dockerfile
RUN npm install -g pm2@5.4.2 @google/gemini-cli@0.1.9
```
Better still for an application: `COPY package.json package-lock.json ./` and `npm ci`.

## Fix safety
No automatic fix: which version to pin is yours to choose.

## Differs from hadolint
- DL3016 (only dlint): version ranges (`express@^4.19.0`, `@myorg/lib@">=0.1.0 <0.2.0"`) are
  not pins, and are flagged; hadolint accepts them.
- DL3016 (only hadolint): a git dependency pinned to a tag or commit
  (`github:org/repo#v1.2.0`) passes; hadolint flags it.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, is_local, word_text

EXACT = regex.compile(r"^v?\d+\.\d+\.\d+([-+][\w.-]+)?$")
TARBALL = (".tgz", ".tar", ".tar.gz")


def version_of(text: str) -> str | None:
    """The version after ``name@`` (scoped names start with ``@``), or None without one."""
    name_end = text.find("/") if text.startswith("@") else 0
    at = text.find("@", max(name_end, 0) + (1 if text.startswith("@") else 0))
    return text[at + 1 :] if at > 0 else None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every npm package word without an exact version."""
    for run, pkg in family_commands(build, "npm"):
        if pkg.action != INSTALL:
            continue
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None or is_local(text) or text.endswith(TARBALL):
                continue
            if "#" in text or text.startswith(("git+", "git:", "http:", "https:")):
                continue
            version = version_of(text)
            if version is not None and EXACT.match(version.strip("\"'")):
                continue
            name = text[: len(text) - len(version) - 1] if version is not None else text
            yield Problem(
                f"npm package '{text}' is not pinned to one version; install '{name}@<version>'",
                word.span,
            )


RULE = Rule(
    id="D223",
    name="npm-unpinned",
    severity=Severity.WARNING,
    summary="npm install names a package without an exact @version",
    check=check,
    aliases=("DL3016",),
    tags=("reproducibility", "node"),
)
