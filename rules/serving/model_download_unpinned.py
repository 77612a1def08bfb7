"""## What it does
Flags a model fetched at build or start time without a pinned revision or a checksum:

- in the code the image runs (and the local modules it imports): `from_pretrained(...)`,
  `hf_hub_download(...)`, `snapshot_download(...)`, `pipeline(model=...)` and
  `SentenceTransformer(...)` of a Hub id without `revision=` (or with `revision="main"`),
  `torch.hub.load("owner/repo", ...)` without a `:ref`, boto3's `download_file` without
  `ExtraArgs` (no `VersionId`);
- in a `RUN`: the same calls in a `python -c` string, `huggingface-cli download` /
  `hf download` without `--revision`, `gsutil cp gs://…` without a `#generation`,
  `aws s3 cp s3://…`, and `curl`/`wget` of a model file or of a Hub `resolve/main/` URL,
  when no `sha256sum -c` (or `--checksum`) checks what was fetched.

A local path (`from_pretrained("/models/bert")`) is not a download and passes.

## Why it matters
A Hub repository's `main` and an object's latest version move: a retrained or
re-quantised model, a changed tokenizer or config lands in the next build or the next
container start without a code change, and answers differ between two replicas of the
same image. A model downloaded at start also makes start-up depend on the Hub being up.
Pinning a commit (`revision="<sha>"`) or checking a hash makes the model part of the
version you tested.

## Example
```python
model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
```

## Instead
```python
model = AutoModelForSequenceClassification.from_pretrained(
    "distilbert-base-uncased", revision="6cdc0aad91f5ae2e6712e91bc7b65d1cf5c05411"
)
```
Better for serving: download it at build time with the pinned revision, and load it from
the image's path at start.

## Fix safety
No automatic fix: the revision to pin is the one you evaluated. The finding points at the
call (or command) to pin and names the model id.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.app import Call, PythonFile, Source, read_python
from dlint.finding import Problem, Severity
from dlint.model import Build, Command, Instruction
from dlint.rule import Rule

from ._serving import app_of

HUB_CALLS = frozenset(
    {"from_pretrained", "hf_hub_download", "snapshot_download", "pipeline", "SentenceTransformer"}
)
MOVING = frozenset({"main", "master", "latest", "HEAD"})
MODEL_URL = regex.compile(
    r"(huggingface\.co/.+/resolve/(main|master)/|\.(pt|pth|bin|onnx|safetensors|ckpt|gguf|h5"
    r"|joblib|pkl|tflite)(\?|$))"
)
CHECKSUM_TOOLS = frozenset({"sha256sum", "sha512sum", "shasum", "md5sum", "b2sum"})
# The commands whose download a checksum elsewhere in the RUN verifies.
FETCHERS = frozenset({"gsutil", "aws", "curl", "wget"})
PYTHON = regex.compile(r"^python(\d(\.\d+)?)?$")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each model download without a pinned revision or a checksum."""
    for file in app_of(build).files:
        for call in file.run_calls:
            reason = unpinned_call(call)
            if reason:
                yield Problem(reason, call.span, file=file.path)
    for run in build.dockerfile.of("RUN"):
        yield from run_downloads(run)


def unpinned_call(call: Call) -> str | None:
    """Why ``call`` downloads a model that may change, or None."""
    name = call.attribute
    if name in HUB_CALLS:
        keyword = "model" if name == "pipeline" else "repo_id"
        given, model = call.argument(0, keyword)[:2]
        if name == "from_pretrained" and not given:
            given, model = call.argument(0, "pretrained_model_name_or_path")[:2]
        if not given or not hub_id(model):
            return None
        revision = call.keywords.get("revision")
        moving = isinstance(revision, str) and revision in MOVING
        if "revision" in call.keywords and not moving:
            return None
        what = f"revision={revision!r}" if revision else "no revision"
        return (
            f"{call.name}({model!r}) downloads the model with {what}, so a new upload "
            "changes what the image serves; pin revision='<commit sha>'"
        )
    if call.name in ("torch.hub.load", "hub.load"):
        repo = call.args[0] if call.args else None
        if isinstance(repo, str) and "/" in repo and ":" not in repo:
            return (
                f"torch.hub.load({repo!r}) takes the default branch of the repository; pin it "
                f"as '{repo}:<tag or commit>'"
            )
    if name == "download_file" and "ExtraArgs" not in call.keywords and len(call.args) >= 2:
        return (
            f"{call.name}() takes the latest version of the object; pass "
            "ExtraArgs={'VersionId': ...} or check a hash of the file"
        )
    return None


def hub_id(value: object) -> bool:
    """A Hub model id (``org/name`` or ``name``), not a local path or a variable."""
    if not isinstance(value, str) or type(value) is not str or not value:
        return False
    return not value.startswith(("/", ".", "~")) and "://" not in value and value.count("/") <= 1


def run_downloads(run: Instruction) -> Iterator[Problem]:
    """Unpinned model downloads among the commands of one ``RUN``."""
    commands = run.commands
    # A checksum only matters to the fetching commands (most RUNs have none).
    verified = any(c.program in FETCHERS for c in commands) and any(map(verifies, commands))
    for command in commands:
        program = command.program
        if program in ("huggingface-cli", "hf") and "download" in command.argv[1:3]:
            if "--revision" not in " ".join(command.argv):
                operands = [w for w in command.words[2:] if not w.text.startswith("-")]
                model = operands[0].text if operands else "the model"
                yield Problem(
                    f"{program} download {model} takes the repository's main branch; "
                    "add --revision <commit sha>",
                    command.span,
                )
        elif program == "gsutil" and "cp" in command.argv:
            for word in command.words:
                if word.text.startswith("gs://") and "#" not in word.text and not verified:
                    yield Problem(
                        f"gsutil cp {word.text} takes the object's latest generation; copy "
                        f"{word.text}#<generation> or check its sha256",
                        word.span,
                    )
        elif program == "aws" and command.argv[1:3] == ["s3", "cp"] and not verified:
            for word in command.words:
                if word.text.startswith("s3://"):
                    yield Problem(
                        f"aws s3 cp {word.text} takes the object's latest version; use "
                        "aws s3api get-object --version-id or check its sha256",
                        word.span,
                    )
        elif program in ("curl", "wget") and not verified:
            for word in command.words[1:]:
                if "://" in word.text and MODEL_URL.search(word.text):
                    yield Problem(
                        f"{program} fetches the model {word.text} with no checksum; verify it "
                        "(echo '<sha256>  <file>' | sha256sum -c) or pin a commit in the URL",
                        word.span,
                    )
        else:
            yield from inline_python(command)


def verifies(command: Command) -> bool:
    """``sha256sum -c``, ``shasum -a 256 -c``, or an ``ADD --checksum``-like option."""
    if command.program in CHECKSUM_TOOLS:
        return any(w.text in ("-c", "--check") or w.text.startswith("-c") for w in command.words)
    return any(w.text.startswith("--checksum") for w in command.words)


def inline_python(command: Command) -> Iterator[Problem]:
    """Model downloads in ``python -c "…"``; the finding points at the code string."""
    words = command.words
    if not PYTHON.match(command.program):
        return
    for index, word in enumerate(words[:-1]):
        if word.text == "-c":
            code = words[index + 1]
            file: PythonFile = read_python(Source("-c", "-c", code.text))
            for call in file.calls:
                reason = unpinned_call(call)
                if reason:
                    yield Problem(reason, code.span)
            return


RULE = Rule(
    id="D610",
    name="model-download-unpinned",
    severity=Severity.WARNING,
    summary="a model is downloaded at build or start without a pinned revision or checksum",
    check=check,
    tags=("serving", "reproducibility", "models"),
)
