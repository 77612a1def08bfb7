"""## What it does
Flags an image that installs a library which caches downloads at run time
(`transformers`, `huggingface_hub`, `sentence-transformers`, `diffusers`, `datasets`,
`timm`, `torch` hub…, on the command line, in a requirements file it installs, or
imported by the code it runs) and runs as a non-root `USER` whose cache folder it cannot
write:

- `HF_HOME`, `HF_HUB_CACHE`, `TRANSFORMERS_CACHE`, `HUGGINGFACE_HUB_CACHE`,
  `SENTENCE_TRANSFORMERS_HOME`, `HF_DATASETS_CACHE`, `TORCH_HOME` or `XDG_CACHE_HOME`
  point to a folder the image neither gives to that user (`chown`, `COPY --chown`,
  `install -d -o`), nor makes world-writable, nor places under `/tmp` or the user's
  created home;
- none is set and the user's home is missing: `useradd` without `-m`, `--no-create-home`,
  `--home-dir /nonexistent`, or a bare numeric `USER` with no account (its `$HOME` is
  `/`), so the caches land in `$HOME/.cache`, which cannot be created.

## Why it matters
The first `from_pretrained` or `hf_hub_download` at start then fails with
`PermissionError: [Errno 13] … '/.cache'` (or `/home/app/.cache`), and the container
crash-loops: an error only seen at run time, and only under the non-root user that
hardening requires. Under OpenShift or `runAsUser` the uid is arbitrary, so only a
world-writable or `/tmp` cache works there.

## Example
```dockerfile
RUN pip install --no-cache-dir transformers==4.44.2
RUN useradd --no-create-home app
USER app
```

## Instead
```dockerfile
RUN pip install --no-cache-dir transformers==4.44.2
RUN useradd --create-home app
ENV HF_HOME=/home/app/.cache/huggingface
USER app
```
Better for serving: download the model at build time into a root-owned folder, set
`HF_HUB_OFFLINE=1`, and give the cache variables a writable folder such as `/tmp/hf`.

## Fix safety
No automatic fix: where the cache should live (a volume, `/tmp`, the home) is a choice.
The message names the variable and the folder, which is what a fix sets. What dlint
cannot see: an account its base image creates (its home is unknown, so it is not
judged), a volume mounted over the folder at run time, or a cache path set in code.
"""

import posixpath
from collections.abc import Iterator

from dlint import regex
from dlint.app import image_env
from dlint.commands import pip_installs
from dlint.finding import Problem, Severity, Span
from dlint.model import Build, Dockerfile
from dlint.rule import Rule

from ._serving import app_of, covers, runtime_user, same_user, workdir_at
from .code_writable_by_runtime_user import world_writable

CACHING = frozenset(
    {
        *("transformers", "huggingface-hub", "sentence-transformers", "diffusers"),
        *("datasets", "timm", "torch", "accelerate", "peft", "tensorflow-hub"),
        *("openai-whisper", "gradio-client", "vllm", "spacy-huggingface-hub"),
    }
)
CACHING_IMPORTS = (
    *("transformers", "huggingface_hub", "sentence_transformers", "diffusers"),
    *("datasets", "timm", "torch.hub", "whisper"),
)
CACHE_VARIABLES = (
    *("HF_HOME", "HF_HUB_CACHE", "TRANSFORMERS_CACHE", "HUGGINGFACE_HUB_CACHE"),
    *("SENTENCE_TRANSFORMERS_HOME", "HF_DATASETS_CACHE", "TORCH_HOME", "XDG_CACHE_HOME"),
)
NAME = regex.compile(r"^[A-Za-z0-9_.\-]+")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem when a caching library's cache folder is not writable at run time."""
    dockerfile = build.dockerfile
    found = runtime_user(dockerfile)
    if found is None:
        return
    user, user_instruction = found
    library = caching_library(build)
    if library is None:
        return
    env = image_env(dockerfile)
    created_home = created_home_of(dockerfile, user)
    set_variables = [v for v in CACHE_VARIABLES if env.get(v)]
    for variable in set_variables:
        folder = posixpath.normpath(env[variable])
        if not writable(dockerfile, folder, user, created_home):
            yield Problem(
                f"{variable}={folder} is where {library} caches downloads, but the image "
                f"never makes it writable for '{user}'; create it owned by that user "
                "(install -d -o …) or point it into /tmp",
                env_span(dockerfile, variable),
            )
    if set_variables:
        return
    if not env.get("HOME") and not account_known(dockerfile, user):
        return
    home = posixpath.normpath(env["HOME"]) if env.get("HOME") else created_home
    if home is None or not writable(dockerfile, home, user, created_home):
        where = f"{home}/.cache" if home else "$HOME/.cache"
        yield Problem(
            f"{library} caches downloads in {where}, which '{user}' cannot create (its home "
            "is missing or not its own); create the home (useradd -m) or set HF_HOME (and "
            "TORCH_HOME) to a writable folder such as /tmp/cache",
            user_instruction.arguments[0].span
            if user_instruction.arguments
            else user_instruction.span,
        )


def caching_library(build: Build) -> str | None:
    """The first library the image installs or imports that caches downloads."""
    dockerfile = build.dockerfile
    for run in dockerfile.in_final_image("RUN"):
        for pip in pip_installs(run):
            for word in pip.packages:
                match = NAME.match(word.text)
                if match and match[0].lower().replace("_", "-") in CACHING:
                    return match[0]
    for requirements in build.requirements:
        for requirement in requirements.requirements:
            if requirement.name.lower().replace("_", "-") in CACHING:
                return requirement.name
    for file in app_of(build).files:
        for module in CACHING_IMPORTS:
            if file.uses(module):
                return module
    return None


def account_known(dockerfile: Dockerfile, user: str) -> bool:
    """True when dlint knows the user's account: the Dockerfile creates it, or the user is
    a bare uid on an official base image, which has no account for it (``$HOME`` is ``/``)."""
    if any(
        c.program in ("useradd", "adduser")
        for run in dockerfile.in_final_image("RUN")
        for c in run.commands
    ):
        return True
    base = dockerfile.final_lineage[-1].base
    return user.isdigit() and base.registry is None and "/" not in base.name


def created_home_of(dockerfile: Dockerfile, user: str) -> str | None:
    """The user's home when the image creates it (``useradd -m``, ``adduser``); None when
    the account has no home that exists."""
    for run in dockerfile.in_final_image("RUN"):
        for command in run.commands:
            if command.program not in ("useradd", "adduser"):
                continue
            argv = command.argv
            operands = [a for a in argv[1:] if not a.startswith("-")]
            if not operands or not same_user(dockerfile, operands[-1], user):
                continue
            home = option_value(argv, "-d", "--home-dir", "--home", "-h") or (
                f"/home/{operands[-1]}"
            )
            creates = command.program == "adduser" or any(
                a in ("-m", "--create-home") for a in argv
            )
            if any(a in ("-M", "--no-create-home", "-H", "--system") for a in argv):
                creates = "-m" in argv or "--create-home" in argv
            return home if creates and home != "/nonexistent" else None
    return None


def writable(dockerfile: Dockerfile, folder: str, user: str, user_home: str | None) -> bool:
    """True when ``user`` can write (or create) ``folder`` in the final image: under
    ``/tmp``, under the home the image created for it, or given to it."""
    if covers("/tmp", folder) or covers("/dev/shm", folder):
        return True
    if user_home and covers(user_home, folder):
        return True
    for instruction in dockerfile.in_final_image("COPY", "ADD"):
        copy = dockerfile.copy_of(instruction)
        given = copy is not None and copy.chown and same_user(dockerfile, copy.chown, user)
        if given and covers(copy.destination, folder):
            return True
    for run in dockerfile.in_final_image("RUN"):
        cwd = workdir_at(dockerfile, run)
        for command in run.commands:
            if gives_folder(dockerfile, command.program, command.argv[1:], cwd, folder, user):
                return True
    return False


def gives_folder(
    dockerfile: Dockerfile, program: str, argv: list[str], cwd: str, folder: str, user: str
) -> bool:
    """``chown user …``, ``chmod 777 …`` or ``install -d -o user …`` over ``folder``."""
    operands = [a for a in argv if not a.startswith("-")]
    if not operands:
        return False
    paths = [posixpath.normpath(posixpath.join(cwd, p)) for p in operands]
    if program == "chown" and same_user(dockerfile, operands[0], user):
        return any(covers(p, folder) for p in paths[1:])
    if program == "chmod" and world_writable(operands[0]):
        return any(covers(p, folder) for p in paths[1:])
    if program == "install" and "-d" in argv:
        owner = option_value(argv, "-o", "--owner")
        return owner is not None and same_user(dockerfile, owner, user) and folder in paths
    return False


def option_value(argv: list[str], *names: str) -> str | None:
    """The word after the first of ``names`` in ``argv``."""
    return next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a in names), None)


def env_span(dockerfile: Dockerfile, variable: str) -> Span:
    """The word of the last ``ENV`` that sets ``variable``."""
    for instruction in reversed(dockerfile.in_final_image("ENV")):
        for word in instruction.arguments:
            if word.text.startswith(variable + "=") or word.text == variable:
                return word.span
    return dockerfile.final_stage.from_instruction.keyword_span


RULE = Rule(
    id="D616",
    name="cache-not-writable",
    severity=Severity.WARNING,
    summary="a caching ML library runs as a user that cannot write its cache folder",
    check=check,
    tags=("serving", "runtime", "models"),
)
