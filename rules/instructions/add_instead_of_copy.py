"""## What it does
Flags an `ADD` whose sources are all plain files or folders of the build context, where
`COPY` does the same. `ADD` of a tar archive (which it unpacks), of a compressed file,
of a URL or of a git repository passes. hadolint DL3020, Trivy DS-0005 and Checkov
CKV_DOCKER_4 check the same; Checkov flags every `ADD`, URLs and archives included,
which would leave the unpacking `ADD` is for with no instruction.

## Why it matters
`ADD` does more than copy: a file that happens to be a tar archive is unpacked, so the
image changes when someone adds `weights.tar` to a folder. `COPY` says what happens.

## Example
```dockerfile
ADD requirements.txt /tmp/requirements.txt
ADD src/ /app/src/
```

## Instead
```dockerfile
COPY requirements.txt /tmp/requirements.txt
COPY src/ /app/src/
```

## Fix safety
Safe: `ADD` becomes `COPY` where every source is a folder of the context, a heredoc, or a
context file that is no archive by its content (`ADD` unpacks a local tar, gzip, bzip2,
xz or zstd file whatever its name; a folder is copied as it is, archives inside
included). No fix for a glob, an unreadable file, an `ONBUILD ADD`, or with `--checksum`,
`--keep-git-dir` or `--unpack`, which only `ADD` has.

## Differs from hadolint
- DL3020 (only hadolint): `ADD` of a git repository (`git@github.com:org/repo.git`) is
  something `COPY` cannot do, and passes; hadolint flags it.
- DL3020 (only dlint): an `ONBUILD ADD` of local files is flagged too; hadolint does not
  look inside `ONBUILD`.
"""

from collections.abc import Iterator
from pathlib import Path

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.load import ContextFiles
from dlint.model import Build, Copy
from dlint.rule import Rule

from ._common import COMPRESSED_SUFFIXES, keywords_as_written


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ADD that only copies files from the context."""
    files = None if build.context is None else ContextFiles(Path(build.context.root))
    for copy in build.dockerfile.copies:
        instruction = copy.instruction
        if instruction.keyword != "ADD" or not copy.sources or copy.from_stage:
            continue
        if any(
            s.kind not in ("context", "heredoc") or s.text.lower().endswith(COMPRESSED_SUFFIXES)
            for s in copy.sources
        ):
            continue
        yield Problem(
            "ADD only copies files here; use COPY, which never unpacks archives",
            instruction.keyword_span,
            None if files is None else copy_fix(build, copy, files),
        )


# Flags only ADD has: with one of them the keyword cannot simply change.
ADD_ONLY_FLAGS = frozenset({"checksum", "keep-git-dir", "unpack"})
# What ADD reads at the start of a file to decide it is an archive it unpacks: gzip,
# bzip2, xz and zstd magic numbers (a tar header is checked by its checksum).
COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def copy_fix(build: Build, copy: Copy, files: ContextFiles) -> Fix | None:
    """``COPY`` for an ``ADD`` whose every source is a folder, a heredoc, or a context file
    that is no archive by its content (ADD unpacks by what a file holds, not its name)."""
    instruction = copy.instruction
    if instruction.onbuild or any(flag.name in ADD_ONLY_FLAGS for flag in instruction.flags):
        return None
    for source in copy.sources:
        if source.kind == "heredoc":
            continue
        if source.kind != "context" or source.is_glob or source.outside or source.path is None:
            return None
        if files.is_dir(source.path):
            continue
        path, refused = files.file(source.path)
        if path is None or refused is not None or is_archive(path):
            return None
    keyword = keywords_as_written(build.dockerfile)[instruction.index]
    replacement = "copy" if keyword.islower() else "COPY"
    edit = Edit(instruction.keyword_span, replacement)
    return Fix("use COPY", (edit,), reshapes=True)  # another keyword: the parse is checked


def is_archive(path: Path) -> bool:
    """True when ADD would unpack the file: compressed, or a tar whose first header's
    checksum is right; unreadable counts as an archive (no fix)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(512)
    except OSError:
        return True
    if head.startswith(COMPRESSED_MAGIC):
        return True
    if len(head) < 512:
        return False
    try:
        stored = int(head[148:156].split(b"\0")[0].strip() or b"-1", 8)
    except ValueError:
        return False
    computed = sum(head[:148]) + 8 * 32 + sum(head[156:])
    return stored == computed


RULE = Rule(
    id="D724",
    name="add-instead-of-copy",
    severity=Severity.WARNING,
    summary="ADD copies plain files where COPY would do",
    check=check,
    aliases=("DL3020", "DS-0005", "CKV_DOCKER_4"),
    tags=("correctness",),
    fixable=True,
)
