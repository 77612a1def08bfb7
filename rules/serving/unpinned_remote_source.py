"""## What it does
Flags code and data fetched from the network without pinning what arrives, in any stage:

- `ADD` of a git repository without a commit (`#<sha>`) or a version tag;
- `curl`/`wget` of a URL in a `RUN` that never checks what it fetched (`sha256sum -c`,
  `gpg --verify`, `cosign verify`);
- `pip install` of a URL archive without `#sha256=…` on the command line, and URL or
  `git+…` lines without a hash or `@<commit or tag>` in the requirements files the image
  installs (a `git+…` on the command line is `pip-vcs-unpinned`'s).

Related checks live in their own rules, so that one problem is reported once: `ADD` of
an `http(s)` URL without `--checksum` is `add-url-unchecked`, `curl … | sh` is
`remote-script-piped`, plain-HTTP indexes and `--trusted-host` are
`tls-verification-disabled`, and model files are `model-download-unpinned`.

## Why it matters
Whatever the URL serves on the day of the build goes into the image: a moved release
asset, a force-pushed branch or a compromised mirror. For an ML image the fetched thing is
often a CUDA installer, a tokenizer or a library with native code that runs with the
model's data, and two builds of the same commit differ.

## Example
```dockerfile
RUN curl -fsSLo /usr/local/bin/yq \
    https://github.com/mikefarah/yq/releases/latest/download/yq_linux_amd64
RUN pip install git+https://github.com/org/lib.git
```

## Instead
```dockerfile
RUN curl -fsSLo /usr/local/bin/yq \
    https://github.com/mikefarah/yq/releases/download/v4.44.2/yq_linux_amd64 \
    && echo "<sha256>  /usr/local/bin/yq" | sha256sum -c -
RUN pip install git+https://github.com/org/lib.git@3f2a9c1e4b5d6a7f8e9d0c1b2a3f4e5d6c7b8a9f
```

## Fix safety
No automatic fix: the checksum or commit must come from a source you trust, not from
whatever the URL serves today. The finding points at the URL to pin.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.commands import pip_installs
from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule

from .model_download_unpinned import MODEL_URL, verifies

PINNED_REF = regex.compile(r"^([0-9a-f]{7,40}|v?\d+(\.\d+)+([-.\w]*)?)$")
VERIFIERS = frozenset({"gpg", "gpgv", "cosign", "minisign", "signify"})
FETCHERS = frozenset({"curl", "wget"})
HTTP_URL = regex.compile(r"^https?://")
LOCAL_HOSTS = regex.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])[:/]")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each remote source that is fetched without being pinned."""
    dockerfile = build.dockerfile
    for copy in dockerfile.copies:
        for source in copy.sources:
            if source.kind == "git" and not PINNED_REF.match(git_ref(source.text)):
                yield Problem(
                    f"ADD {source.text} takes the repository's moving branch; pin a commit "
                    "(…#<commit sha>)",
                    source.word.span,
                )
    for run in dockerfile.of("RUN"):
        yield from downloads(run)
        for pip in pip_installs(run):
            for word in pip.packages:
                # A VCS install on the command line is pip-vcs-unpinned's; URL archives are ours.
                if not is_vcs(word.text) and unpinned_url(word.text):
                    yield Problem(
                        f"pip installs {word.text} without a pinned commit or hash; add "
                        "@<commit> (git) or #sha256=<digest>",
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


def is_vcs(spec: str) -> bool:
    """True for a VCS requirement (``git+https://…``, ``name @ git+…``)."""
    url = spec.split(" @ ", 1)[-1].strip()
    return url.startswith("git+") or "+git" in url.split("://", 1)[0]


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
    """``curl``/``wget`` of URLs in a ``RUN`` that checks nothing it fetched; a download
    piped into a program is ``remote-script-piped``'s."""
    fetches = [c for c in run.commands if c.program in FETCHERS and "pipeline" not in c.within]
    if not fetches or any(verifies(c) or c.program in VERIFIERS for c in run.commands):
        return
    for command in fetches:
        for word in command.arguments:
            text = word.text
            if not HTTP_URL.match(text) or LOCAL_HOSTS.match(text):
                continue
            if MODEL_URL.search(text):
                continue
            yield Problem(
                f"{command.program} fetches {text} without checking it; verify a sha256 "
                "(echo '<digest>  <file>' | sha256sum -c) or a signature",
                word.span,
            )


RULE = Rule(
    id="D612",
    name="unpinned-remote-source",
    severity=Severity.WARNING,
    summary="curl/wget without a checksum, git sources and pip URL/VCS installs without a ref",
    check=check,
    tags=("serving", "security", "reproducibility"),
)
