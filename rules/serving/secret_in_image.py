"""## What it does
Flags credentials that end up in the final image or its history:

- an `ENV`, `ARG` or `LABEL` of the final image whose name says secret (`*_TOKEN`,
  `*_SECRET`, `*PASSWORD*`, `*API_KEY*`, `*ACCESS_KEY*`, `*PRIVATE_KEY*`,
  `*CREDENTIALS*`; not `*_FILE`, `*_PATH`, `*_DIR`, `*_URL`, `*_ID`…), or whose value
  has the shape of one (`AKIA…`, `ghp_…`, `github_pat_…`, `glpat-…`, `hf_…`, `sk-…`,
  `xox?-…`, a PEM private key, a URL with a password such as
  `https://user:token@pypi.example.com`);
- a `COPY`/`ADD` into the final image of a key or environment file: `.env`, `.env.*`,
  `*.pem`, `*.key`, `*.p12`, `id_rsa`…, `credentials.json`, `.netrc`, `.pypirc`,
  `.git-credentials`; and a whole-context copy that takes such files from the context
  when no `.dockerignore` keeps them out (with one, `dockerignore-incomplete` says so);
- a key file copied into a builder stage that the final stage then copies out of it with
  `COPY --from`.

## Why it matters
Everything in `ENV`, `LABEL` and the build arguments is stored in the image config and
shown by `docker inspect` and `docker history` to anyone who can pull the image, and a
file in any layer stays readable even if a later layer deletes it. A leaked Hub token
or cloud key in a model image is the classic way private models and training data get
out. BuildKit secret mounts give a `RUN` the secret without storing it anywhere.

## Example
```dockerfile
ARG HF_TOKEN
ENV HF_TOKEN=$HF_TOKEN
RUN huggingface-cli download org/private-model --revision 1a2b3c4d
```

## Instead
```dockerfile
RUN --mount=type=secret,id=hf_token,env=HF_TOKEN \
    huggingface-cli download org/private-model --revision 1a2b3c4d
```
built with `docker build --secret id=hf_token,env=HF_TOKEN .`; at run time, pass
secrets from the orchestrator, not the image.

## Fix safety
No automatic fix: the `RUN` that needs the secret has to be rewritten with a secret mount
and the build command changed. The finding points at the name (or file) to remove; the
message names the secret mount to use. What dlint cannot see: a secret a `RUN` writes
into a file (`echo $TOKEN > ~/.netrc`), or one in a file whose name does not say so.

## Differs from hadolint
- DL3064 (only dlint): dlint also flags secrets that reach the image by `COPY` (`.env`,
  `.netrc`, private keys, a `COPY . .` with no `.dockerignore` keeping them out) and
  credentials in URLs and labels; hadolint's DL3064 reads only `ENV` and `ARG` names.
- DL3064 (only hadolint): hadolint flags every `ENV`/`ARG` whose name contains a secret
  word, in every stage: `HF_TOKEN_PATH=/run/secrets/hf_token` is a path,
  `TS_DISABLE_TOKEN_AUTHORIZATION=true` a switch, and an `ARG GITHUB_TOKEN` of a builder
  stage never reaches the final image; dlint reads names by their ending (`*_TOKEN`, not
  `*_PATH`) and values by their shape, in the final image.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.finding import Position, Problem, Severity, Span
from dlint.model import Build, Copy, CopySource, Instruction, Word
from dlint.rule import Rule

# Whole parts of the name only: TOKENIZERS_PARALLELISM is not a token.
SECRET_NAME = regex.compile(
    r"(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|SECRET_?KEY|PRIVATE_?KEY"
    r"|CREDENTIALS?|AUTH_?KEY)(?:_|$)",
    re.IGNORECASE,
)
NOT_SECRET = regex.compile(
    r"(_FILE|_PATH|_DIR|_URL|_URI|_HOST|_ID|_NAME|_USER|_USERNAME|_ENDPOINT|_REGION|_TYPE"
    r"|_LENGTH|_EXPIRY|_TTL)$",
    re.IGNORECASE,
)
SECRET_VALUE = regex.compile(
    r"(AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20}"
    r"|hf_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@)"
)
SECRET_FILES = (
    *(".env", ".env.*", "*.pem", "*.key", "*.p12", "*.pfx", "id_rsa", "id_ed25519"),
    *("id_ecdsa", "id_dsa", "credentials.json", ".netrc", ".pypirc", ".git-credentials"),
)
SWITCHES = frozenset({"", "true", "false", "0", "1", "yes", "no", "on", "off", "none"})
NOT_SECRET_FILES = (".env.example", ".env.sample", ".env.template", "*.pub")
SECRET_FILE = regex.globs(SECRET_FILES)
NOT_SECRET_FILE = regex.globs(NOT_SECRET_FILES)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each credential the final image or its history keeps."""
    dockerfile = build.dockerfile
    # Each COPY --from looks at the key files copied into one stage: find them once, not
    # per COPY (that is quadratic in a long stage).
    by_stage: dict[int, list[tuple[Copy, CopySource]]] = {}
    for inner in dockerfile.copies:
        if inner.from_stage is not None:
            continue
        for source in inner.context_sources:
            if source.path and is_secret_file(source.path):
                by_stage.setdefault(inner.instruction.stage_index, []).append((inner, source))
    for instruction in dockerfile.in_final_image("ENV", "ARG", "LABEL"):
        yield from secret_settings(instruction)
    for instruction in dockerfile.in_final_image("COPY", "ADD"):
        copy = dockerfile.copy_of(instruction)
        if copy is None:
            continue
        for source in copy.context_sources:
            if source.path and is_secret_file(source.path):
                yield Problem(
                    f"{instruction.keyword} puts the credentials file {source.text} into a "
                    "layer of the image; mount it for the RUN that needs it: "
                    f"RUN --mount=type=secret,id={_secret_id(source.path)}",
                    source.word.span,
                )
            elif source.whole_context and build.dockerignore is None and build.context:
                found = [
                    e.path for e in build.context.entries if not e.is_dir and is_secret_file(e.path)
                ]
                if found:
                    yield Problem(
                        f"{instruction.keyword} {source.text} copies credentials files into "
                        f"the image: {', '.join(found[:3])}; keep them out with a .dockerignore",
                        source.word.span,
                    )
        if copy.from_stage is not None:
            yield from through_builder(build, copy, by_stage)


def secret_settings(instruction: Instruction) -> Iterator[Problem]:
    """Secret-looking names and values of an ``ENV``, ``ARG`` or ``LABEL``."""
    words = instruction.arguments
    legacy = instruction.keyword == "ENV" and words and "=" not in words[0].text
    pairs = instruction.assignments
    for index, (name, value) in enumerate(pairs):
        word = words[0] if legacy else (words[index] if index < len(words) else None)
        if word is None:
            continue
        value_text = instruction.resolve(value).text if value is not None else ""
        if SECRET_VALUE.search(value or "") or SECRET_VALUE.search(value_text):
            yield Problem(
                f"{instruction.keyword} {name} holds what looks like a credential, which "
                "docker inspect and docker history show to anyone with the image; pass it "
                "with RUN --mount=type=secret instead",
                word.span,
            )
        elif secret_name(name) and instruction.keyword != "LABEL" and not _empty(value):
            yield Problem(
                f"{instruction.keyword} {name} keeps a secret in the image config and history; "
                f"use RUN --mount=type=secret,id={name.lower()},env={name} in the RUN that "
                "needs it",
                _name_span(word, name),
            )
        elif secret_name(name) and instruction.keyword == "ARG" and value is None:
            yield Problem(
                f"ARG {name}: a build argument's value is recorded in the image history; "
                f"use RUN --mount=type=secret,id={name.lower()},env={name} instead",
                _name_span(word, name),
            )


def _empty(value: str | None) -> bool:
    """No value, or a switch (``true``, ``0``): not a secret itself."""
    text = "" if value is None else value.strip("'\"").lower()
    return text in SWITCHES


def secret_name(name: str) -> bool:
    """A variable name that says it holds a secret."""
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET.search(name)


def _name_span(word: Word, name: str) -> Span:
    start = word.span.start
    if word.span.start.line != word.span.end.line or not word.raw.startswith(name):
        return word.span
    return Span(start, Position(start.line, start.column + len(name)))


def is_secret_file(path: str) -> bool:
    """A key, credentials or environment file by its name."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if NOT_SECRET_FILE.fullmatch(name):
        return False
    return SECRET_FILE.fullmatch(name) is not None


def _secret_id(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.rsplit("/", 1)[-1].lower()).strip("_") or "secret"


def through_builder(
    build: Build, copy: Copy, by_stage: dict[int, list[tuple[Copy, CopySource]]]
) -> Iterator[Problem]:
    """A key file copied into a builder stage and then out of it into the final image.

    ``by_stage`` holds, by stage index, the context copies of key files and their sources.
    """
    dockerfile = build.dockerfile
    stage = next(
        (s for s in dockerfile.stages if s.name and s.name.lower() == copy.from_stage.lower()),
        None,
    )
    if stage is None:
        return
    for inner, source in by_stage.get(stage.index, ()):
        landed = inner.destination
        if inner.into_folder:
            landed = inner.destination.rstrip("/") + "/" + source.path.rsplit("/", 1)[-1]
        for taken in copy.sources:
            if taken.path and (landed == taken.path or landed.startswith(taken.path + "/")):
                yield Problem(
                    f"COPY --from={copy.from_stage} {taken.text} brings the credentials "
                    f"file {source.text} (copied into that stage at line "
                    f"{inner.instruction.span.start.line}) into the final image; use RUN "
                    "--mount=type=secret in the builder instead of copying the file",
                    taken.word.span,
                )


RULE = Rule(
    id="D611",
    name="secret-in-image",
    severity=Severity.ERROR,
    summary="credentials in ENV/ARG/LABEL or key files copied into the final image",
    check=check,
    aliases=("SecretsUsedInArgOrEnv", "DL3064", "DS-0031", "CKV_DOCKER_1005"),
    tags=("serving", "security"),
)
