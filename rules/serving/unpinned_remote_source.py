"""## What it does
Flags code and data fetched from the network without pinning what arrives, in any stage:

- `ADD https://…` without `--checksum=sha256:…`, and `ADD` of a git repository without a
  commit (`#<sha>`) or a version tag;
- `curl`/`wget` of a URL in a `RUN` that never checks it (`sha256sum -c`, `gpg --verify`,
  `cosign verify`), including `curl … | sh`; model files are `model-download-unpinned`'s;
- `pip install` of a URL archive without `#sha256=…`, or of `git+…` without `@<commit or
  tag>` (also such lines in the requirements files the image installs);
- pip told to use a plain-HTTP index (`--index-url http://…`, `--extra-index-url`,
  `PIP_INDEX_URL`) or to trust a host without TLS (`--trusted-host`, `PIP_TRUSTED_HOST`).

## Why it matters
Whatever the URL serves on the day of the build goes into the image: a moved release
asset, a force-pushed branch, a compromised mirror, or a man in the middle on an
unencrypted index. For an ML image the fetched thing is often a CUDA installer, a
tokenizer or a wheel with native code that runs with the model's data.

## Example
```dockerfile
ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
RUN pip install git+https://github.com/org/lib.git
```

## Instead
```dockerfile
ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \
    https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
RUN pip install git+https://github.com/org/lib.git@3f2a9c1e4b5d6a7f8e9d0c1b2a3f4e5d6c7b8a9f
```

## Fix safety
No automatic fix: the checksum or commit must come from a source you trust, not from
whatever the URL serves today. The finding points at the URL (or option) to pin.
"""

import re
from collections.abc import Iterator

from dlint.commands import package_command, pip_installs
from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule

from .model_download_unpinned import MODEL_URL, verifies

PINNED_REF = re.compile(r"^([0-9a-f]{7,40}|v?\d+(\.\d+)+([-.\w]*)?)$")
VERIFIERS = frozenset({"gpg", "gpgv", "cosign", "minisign", "signify"})
LOCAL_HOSTS = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])[:/]")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each remote source that is fetched without being pinned."""
    dockerfile = build.dockerfile
    for copy in dockerfile.copies:
        if copy.instruction.keyword != "ADD":
            continue
        for source in copy.sources:
            if source.kind == "url" and copy.instruction.flag("checksum") is None:
                yield Problem(
                    f"ADD {source.text} takes whatever the URL serves at build time; add "
                    "--checksum=sha256:<digest>",
                    source.word.span,
                )
            elif source.kind == "git" and not PINNED_REF.match(git_ref(source.text)):
                yield Problem(
                    f"ADD {source.text} takes the repository's moving branch; pin a commit "
                    "(…#<commit sha>)",
                    source.word.span,
                )
    for run in dockerfile.of("RUN"):
        yield from downloads(run)
        yield from pip_sources(run)
    for env in dockerfile.of("ENV", "ARG"):
        for word, (name, value) in zip(env.arguments, env.assignments, strict=False):
            if name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL") and (value or "").startswith(
                "http://"
            ):
                yield Problem(f"{name} is plain HTTP; use an https:// index", word.span)
            elif name == "PIP_TRUSTED_HOST" and value:
                yield Problem(
                    "PIP_TRUSTED_HOST turns off TLS checks for that index; fix its certificate "
                    "(PIP_CERT) instead",
                    word.span,
                )
    for requirements in build.requirements:
        for requirement in requirements.requirements:
            if "://" in requirement.spec and unpinned_url(requirement.spec):
                yield Problem(
                    f"{requirement.spec} is not pinned: add @<commit> (git) or #sha256=<digest>",
                    requirement.span,
                    file=requirements.path,
                )


def git_ref(text: str) -> str:
    """The ``#ref`` of a git source (``#ref:subdir`` too); empty when there is none."""
    return text.partition("#")[2].split(":", 1)[0]


def unpinned_url(spec: str) -> bool:
    """A direct URL or VCS requirement with no commit, tag or hash."""
    url = spec.split(" @ ", 1)[-1].strip()
    if url.startswith("git+") or "+git" in url.split("://", 1)[0]:
        path = url.split("://", 1)[-1].split("#", 1)[0]
        ref = path.rsplit("@", 1)[1] if "@" in path.split("/", 1)[-1] else ""
        return not PINNED_REF.match(ref)
    if "://" in url and not url.startswith("file:"):
        return "#sha256=" not in url and "--hash" not in spec
    return False


def downloads(run: Instruction) -> Iterator[Problem]:
    """``curl``/``wget`` of URLs in a ``RUN`` that checks nothing it fetched."""
    commands = run.commands
    if any(verifies(c) or c.program in VERIFIERS for c in commands):
        return
    for command in commands:
        if command.program not in ("curl", "wget"):
            continue
        for word in command.arguments:
            text = word.text
            if not re.match(r"^https?://", text) or LOCAL_HOSTS.match(text):
                continue
            if MODEL_URL.search(text):
                continue
            piped = "pipeline" in command.within
            how = " and runs it" if piped else ""
            yield Problem(
                f"{command.program} fetches {text}{how} without checking it; verify a "
                "sha256 (echo '<digest>  <file>' | sha256sum -c) or a signature",
                word.span,
            )


def pip_sources(run: Instruction) -> Iterator[Problem]:
    """pip installs of unpinned URLs, plain-HTTP indexes and trusted hosts."""
    for pip in pip_installs(run):
        for word in pip.packages:
            if unpinned_url(word.text):
                yield Problem(
                    f"pip installs {word.text} without a pinned commit or hash; add "
                    "@<commit> (git) or #sha256=<digest>",
                    word.span,
                )
        found = package_command(pip.command)
        if found is None:
            continue
        for option, value in found.option_values:
            if option in ("-i", "--index-url", "--extra-index-url", "--index", "--extra-index"):
                if value is not None and value.text.startswith("http://"):
                    yield Problem(
                        f"{option} {value.text} is plain HTTP: anyone on the path can swap the "
                        "wheels; use https://",
                        value.span,
                    )
            elif option == "--trusted-host" and value is not None:
                yield Problem(
                    f"--trusted-host {value.text} turns off TLS checks for that index; fix its "
                    "certificate (--cert) instead",
                    value.span,
                )


RULE = Rule(
    id="D612",
    name="unpinned-remote-source",
    severity=Severity.WARNING,
    summary="ADD/curl of a URL without a checksum, unpinned VCS installs, http indexes",
    check=check,
    tags=("serving", "security", "reproducibility"),
)
