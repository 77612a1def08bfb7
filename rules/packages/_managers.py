"""What the per-manager package rules share: finding a manager's commands, asking for
``-y``, telling a pinned word from an unpinned one, and seeing a cache cleaned.

hadolint, Trivy and Checkov spell one check per package manager (``DL3030`` for yum,
``DL3038`` for dnf); dlint keeps one rule per peer check, and the judgement they share
lives here once.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator

from dlint import regex
from dlint.commands import (
    CLEAN,
    INSTALL,
    UPDATE,
    UPGRADE,
    PackageCommand,
    covers,
    deleted_paths,
    package_commands,
    runs_using,
)
from dlint.edits import append_to_run
from dlint.finding import Fix, Problem, insert_option_after
from dlint.model import Build, Instruction, Word

from ._run import discarded_mounts

# dnf-family programs as their peers split them: hadolint's yum rules know yum only.
YUM = frozenset({"yum"})
DNF = frozenset({"dnf", "microdnf", "dnf5", "tdnf"})
DOWNLOADS = frozenset({INSTALL, UPDATE, UPGRADE})


def commands_of(
    run: Instruction, family: str, programs: Iterable[str] | None = None
) -> Iterator[PackageCommand]:
    """The package commands of ``run`` of one family (``apt``, ``dnf``…), by program."""
    # A list, and the programs only looked at when one is found.
    found = [pkg for pkg in package_commands(run) if pkg.family == family]
    if found and programs is not None:
        wanted = frozenset(programs)
        found = [pkg for pkg in found if pkg.command.program in wanted]
    return iter(found)


def family_commands(
    build: Build, family: str, programs: Iterable[str] | None = None
) -> Iterator[tuple[Instruction, PackageCommand]]:
    """Every package command of one family in the Dockerfile, by program, with its ``RUN``.

    In the order of ``dockerfile.of("RUN")``; only the RUNs that use the family are
    looked at (:func:`~dlint.commands.runs_using`), so a rule for a manager the file does
    not use costs nothing.
    """
    for run in runs_using(build.dockerfile, family):
        for pkg in commands_of(run, family, programs):
            yield run, pkg


def word_text(run: Instruction, word: Word) -> str | None:
    """The text of a package word as Docker would expand it; None when it cannot be known.

    A word from a variable with no value, or a list held in one (``$PACKAGES``), is never
    judged: dlint cannot see what it installs.
    """
    if not word.known:
        return None
    resolved = run.resolve(word.text)
    text = resolved.text if resolved.complete else word.text
    if not text or text.startswith(("$", "`")):
        return None
    return text


def is_local(text: str) -> bool:
    """A file, folder or URL rather than a name from the repository."""
    return text.startswith(("/", "./", "../", "~", ".")) or "://" in text


def missing_yes(
    build: Build,
    family: str,
    programs: Iterable[str] | None,
    answers_yes: Callable[[PackageCommand], bool],
    actions: frozenset[str],
    hint: str,
) -> Iterator[Problem]:
    """A problem, with a safe ``-y`` fix, at every command that would wait for a yes."""
    for run in runs_using(build.dockerfile, family):
        # ``yes | apt-get install …`` answers every prompt through the pipe.
        piped_yes = any(c.program == "yes" and "pipeline" in c.within for c in run.commands)
        for pkg in commands_of(run, family, programs):
            if pkg.action not in actions or answers_yes(pkg) or piped_yes:
                continue
            verb = pkg.verb
            yield Problem(
                f"'{pkg.command.program} {verb.text}' asks for confirmation and the build has "
                f"no terminal to answer; add {hint}",
                verb.span,
                insert_option_after(verb.raw, verb.span, "-y"),
            )


def short_flags(pkg: PackageCommand) -> str:
    """Every single-letter flag given, glued or not: ``-qy -f`` is ``qyf``."""
    return "".join(
        name[1:] for name, value in pkg.option_values if name[:1] == "-" and name[1:2] != "-"
    )


def cache_kept(
    run: Instruction,
    pkgs: Iterable[PackageCommand],
    caches: tuple[str, ...],
    cleans: Callable[[PackageCommand], bool],
) -> PackageCommand | None:
    """The first of ``pkgs`` whose downloads stay in ``run``'s layer, or None.

    A clean command (``yum clean all``) after it, a deletion of a cache folder after the
    last download, or a BuildKit cache/tmpfs mount on a cache folder keeps the layer clean.
    """
    if any(covers(discarded_mounts(run), cache) for cache in caches):
        return None
    pending: PackageCommand | None = None
    last: PackageCommand | None = None
    for pkg in pkgs:
        if cleans(pkg):
            pending = last = None
        elif pkg.action in DOWNLOADS:
            pending = pending or pkg
            last = pkg
    if pending is None or last is None:
        return None
    deleted = [posixpath.normpath(p) for p in deleted_paths(run, after=last.command)]
    return None if any(covers(deleted, cache) for cache in caches) else pending


def clean_fix(
    run: Instruction, kept: PackageCommand, clean: str, caches: tuple[str, ...]
) -> Fix | None:
    """``&& <clean>`` at the end of ``run``, which removes ``caches`` in its own layer; none
    when the manager runs under ``sudo`` or another wrapper (the clean would need it too)."""
    edit = None if kept.command.wrappers else append_to_run(run, clean)
    if edit is None:
        return None
    changes = tuple(f"removed:{cache}/**" for cache in caches)
    return Fix(f"end the RUN with '{clean}'", (edit,), changes=changes)


# name-version[-release], the version starting with a digit, an optional epoch: what rpm
# tools read as a pinned package (``gcc-c++-8.5.0-4.el8``, ``openssl-1:1.1.1k``); a name
# that merely contains a digit after a dash (``java-11-openjdk``) is not one.
RPM_VERSIONED = regex.compile(r"-(\d+:)?\d[\w.+~^]*(-\d[\w.+~^]*)?$")


def rpm_unpinned(build: Build, programs: frozenset[str], rule_hint: str) -> Iterator[Problem]:
    """Problems for dnf/yum package words without ``-version`` (module streams need ``:``)."""
    for run, pkg in family_commands(build, "dnf", programs):
        if pkg.action != INSTALL or pkg.manager == "dnf-group":
            continue
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None or is_local(text) or text.endswith(".rpm"):
                continue
            if text.startswith("@") or "*" in text:
                continue
            if pkg.manager == "dnf-module":
                if ":" not in text:
                    yield Problem(
                        f"module '{text}' has no stream; install '{text}:<stream>'",
                        word.span,
                    )
            elif not RPM_VERSIONED.search(text):
                yield Problem(
                    f"{rule_hint} package '{text}' has no version; install '{text}-<version>'",
                    word.span,
                )


def rpm_answers_yes(pkg: PackageCommand) -> bool:
    """yum/dnf told to answer yes: ``-y``, ``--assumeyes`` or ``--setopt=assumeyes=1``."""
    if "y" in short_flags(pkg) or pkg.has_option("--assumeyes", "--yes"):
        return True
    return any(
        v.text.replace(" ", "") in ("assumeyes=1", "assumeyes=True", "assumeyes=true")
        for v in pkg.values("--setopt")
    )


def rpm_cleans_all(pkg: PackageCommand) -> bool:
    """``yum clean all`` / ``dnf clean all`` (``clean packages`` leaves the metadata)."""
    return pkg.action == CLEAN and any(w.text == "all" for w in pkg.packages)
