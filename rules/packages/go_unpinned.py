"""## What it does
Flags `go install`, `go get` and `go run` of a remote package without a version, or with
a version that moves (`@latest`, `@master`, `@main`, `@HEAD`, `@upgrade`, `@patch`).
Local packages (`.`, `./cmd/server`, `/go/src/app`, `main.go`) pass: the module's own
`go.mod` and `go.sum` pin what they build.

## Why it matters
`go install example.com/tool` resolves to the newest version on the day of the build, and
`@latest` says so out loud: the same Dockerfile builds a different binary next month.
Go's module proxy makes an exact version cheap to ask for and verifies it against the
checksum database.

## Example
```dockerfile
RUN go install github.com/go-delve/delve/cmd/dlv@latest
```

## Instead
```dockerfile
RUN go install github.com/go-delve/delve/cmd/dlv@v1.23.1
```

## Fix safety
No automatic fix: which version to pin is yours to choose.

## Differs from hadolint
- DL3062 (only hadolint): `go run main.go` installs nothing, and hadolint takes option
  values (`-ldflags "-s -w"`, `-tags netgo`) for packages; dlint reads `go install`'s
  options and flags only packages without `@version`.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, is_local, word_text

MOVING = frozenset({"latest", "master", "main", "HEAD", "upgrade", "patch"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every remote Go package without a fixed ``@version``."""
    for run, pkg in family_commands(build, "go"):
        # ``go run pkg args…``: only the first operand is a package.
        words = pkg.packages[:1] if pkg.verb.text == "run" else pkg.packages
        for word in words:
            text = word_text(run, word)
            if text is None or is_local(text) or text.endswith(".go") or text == "all":
                continue
            name, _, version = text.partition("@")
            if version and version not in MOVING:
                continue
            yield Problem(
                f"go package '{text}' has no fixed version; use '{name}@v<version>'",
                word.span,
            )


RULE = Rule(
    id="D225",
    name="go-unpinned",
    severity=Severity.WARNING,
    summary="go install or go get of a remote package without a fixed @version",
    check=check,
    aliases=("DL3062",),
    tags=("reproducibility", "go"),
)
