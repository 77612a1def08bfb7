"""## What it does
Flags each package that `apt-get install` or `apt install` names without a version
(`name=version`). A version from an `ARG` (`python3=${PY_DEB_VERSION}`) counts; a local
`.deb` file and a package list held in a variable (`$PACKAGES`) are left alone. A
release selection (`curl/bookworm-backports`) is not a version pin and is flagged.

## Why it matters
Without a version, apt installs whatever the mirror offers on the day of the build, so
two builds of one commit can ship different system libraries. Pinning makes rebuilds
repeatable and makes a library change a reviewed change. It is also a maintenance cost:
distributions drop old versions from their mirrors, which is why this rule is only
`info` by default. Prefer a pinned, dated base image where you can.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 curl
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends \
        libgomp1=12.2.0-14 curl=7.88.1-10+deb12u7 \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Only with `dlint check --fix --unsafe-fixes --from-engine`, and only where the local
Docker engine has the stage's base image: dlint runs `apt-cache policy` in it (no
network, nothing pulled). Without an `apt-get update` before the install, apt can only
install what the image's own lists and installed packages offer, so the candidate
version there is exactly what the build installs: the pin changes nothing. After an
`apt-get update` the candidate is the mirror's of the day, which no local answer knows;
a package the base image already has is then pinned to the version it has (unsafe: the
update could have brought a newer one), and any other package gets no fix. Without an
engine, no fix and no error.

## Differs from hadolint
- DL3008 (only dlint): `apt install`, exec-form and heredoc installs, options before the
  subcommand (`apt-get -o ... install`) and a release instead of a version
  (`cmake/bookworm-backports`) are flagged; hadolint checks `apt-get install` in shell form
  only and takes `pkg/release` for a pin.
- DL3008 (only hadolint): local `.deb` files (`/tmp/x.deb`, `./local.deb`) and packages from
  an unset build argument (`$BUILD_DEPS`) pass: there is no version to pin at lint time;
  hadolint flags them.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dlint.commands import UPDATE, apt_installs, package_commands, runs_using
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Instruction, Word
from dlint.rule import Rule

if TYPE_CHECKING:
    from dlint.enginefacts import AptPolicy


def unpinned(run: Instruction, word: Word) -> str | None:
    """The package text of ``word`` when it names a package without ``=version``."""
    resolved = run.resolve(word.text)
    text = resolved.text if resolved.complete else word.text
    if not text or text.startswith(("$", "`", ".", "/")) or text.endswith(".deb"):
        return None
    return None if "=" in text else text


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every apt package word that has no ``=version``."""
    found = []
    for run in runs_using(build.dockerfile, "apt"):
        for apt in apt_installs(run):
            for word in apt.packages:
                text = unpinned(run, word)
                if text is not None:
                    found.append((run, word, text))
    policies = engine_policies(build, [(run, text) for run, _, text in found])
    for run, word, text in found:
        name = text.split("/", 1)[0]
        policy = policies.get((run.stage_index, text))
        yield Problem(
            f"apt package '{text}' has no version; install '{name}=<version>'",
            word.span,
            None if policy is None else engine_pin(build, run, word, text, policy),
        )


def base_of(build: Build, run: Instruction) -> str | None:
    """The image reference the stage of ``run`` starts from, when dlint knows it."""
    lineage = build.dockerfile.lineage(build.dockerfile.stages[run.stage_index])
    root = lineage[-1]
    if root.parent_stage is not None or not root.base_resolved or root.base.is_scratch:
        return None
    return root.base.raw


def engine_policies(
    build: Build, wanted: list[tuple[Instruction, str]]
) -> dict[tuple[int, str], "AptPolicy"]:
    """(stage, package) -> ``apt-cache policy`` in the stage's base image, when the run
    asked the engine (``--from-engine``); one container per base image."""
    engine = build.engine
    if engine is None or not wanted:
        return {}
    by_base: dict[str, list[tuple[int, str]]] = {}
    for run, text in wanted:
        base = base_of(build, run)
        if base is not None:
            by_base.setdefault(base, []).append((run.stage_index, text))
    policies = {}
    for base, asked in by_base.items():
        answers = engine.apt_policy(base, [text for _, text in asked])
        policies.update({key: answers[key[1]] for key in asked if key[1] in answers})
    return policies


def engine_pin(
    build: Build, run: Instruction, word: Word, text: str, policy: "AptPolicy"
) -> Fix | None:
    """``name=version`` from the base image's own apt: its candidate when no ``apt-get
    update`` came first (the build installs exactly that), else the installed version."""
    if not word.known:
        return None
    updated = updated_before(build, run)
    version = policy.installed if updated else policy.candidate
    if version is None:
        return None
    quote = word.raw[0] if word.raw[:1] in ("'", '"') else ""
    edit = Edit(word.span, f"{quote}{text}={version}{quote}")
    # Without an update the same version goes in: nothing changes. After one, the pin may
    # keep the base image's version where the mirror had a newer one.
    changes = ("files:/**",) if updated else ()
    return Fix(f"pin {text}={version} (the base image's apt)", (edit,), False, changes=changes)


def updated_before(build: Build, run: Instruction) -> bool:
    """True when an ``apt-get update`` runs in this ``RUN`` or an earlier one of its lineage."""
    lineage = build.dockerfile.lineage(build.dockerfile.stages[run.stage_index])
    runs = [i for stage in lineage for i in stage.of("RUN") if i.index <= run.index]
    return any(
        command.family == "apt" and command.action == UPDATE
        for instruction in runs
        for command in package_commands(instruction)
    )


RULE = Rule(
    id="D202",
    name="apt-unpinned",
    severity=Severity.INFO,
    summary="apt-get install names a package without =version",
    check=check,
    aliases=("DL3008",),
    tags=("reproducibility", "apt"),
    fixable=True,
)
