"""``dlint test DIR --verify-fixes``: prove on a real engine that dlint's fixes keep the image.

The context is copied to a temporary folder and fixed there in-process, through the check
run's own fix loop (safe fixes; unsafe ones too with ``--unsafe-fixes``, and then also the
ones that ask the local engine and the package index, as ``dlint check --from-engine
--from-index`` does). The original
and the fixed context are built with the harness's build function, and the two images
are compared: their configuration (``docker inspect``) and their final file tree
(``docker export``), minus what each fix declares it changes (``Fix.changes``). When
something changed that no fix declares, each fix is rebuilt alone on the text it was made
for, to name the one that broke. Then the test spec runs against the fixed image.

Everything created is labelled with the run id and removed at the end, signal or not.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import docker
import docker.errors

from dlint.finding import Finding
from dlint.harness import docker_ops, imagediff, session, signals
from dlint.harness.docker_ops import CannotRun
from dlint.harness.image_report import ChunkReader
from dlint.harness.imagediff import Difference, Intent, IntentError
from dlint.harness.lab import new_run_id
from dlint.harness.spec import SpecError, find_spec, load_spec

EXIT_FAILED = 1
KEPT = "kept"
INTENDED = "changed as intended"
BROKE = "broke"
# Detail lines shown per fix; the rest are counted.
SHOWN_DIFFERENCES = 8
EXPORT_CHUNK = 1 << 20


@dataclass(frozen=True)
class AppliedFix:
    """One fix the fix loop applied, and how to rebuild it alone.

    ``base`` is the context's changed files (path relative to the context -> text) as
    they were when the fix was made (empty for the first pass); ``texts`` are the files
    the fix edits (``file``, the one its finding is in, and any other: a constraints file
    it writes) with only this fix applied to that state.
    """

    finding: Finding
    file: str
    base: Mapping[str, str]
    texts: Mapping[str, str]

    @property
    def label(self) -> str:
        """``Dockerfile:6:51 pip-cache-kept (safe): add --no-cache-dir``."""
        return fix_label(self.finding, self.file)

    def intents(self) -> tuple[Intent, ...]:
        """What the fix declares it changes (IntentError when a declaration is malformed)."""
        assert self.finding.fix is not None
        return imagediff.parse_intents(self.finding.fix.changes)


def fix_label(finding: Finding, file: str) -> str:
    """``Dockerfile:6:51 pip-cache-kept (safe): add --no-cache-dir``."""
    fix = finding.fix
    assert fix is not None
    safety = "safe" if fix.safe else "unsafe"
    where = f"{file}:{finding.line}:{finding.column}"
    return f"{where} {finding.name} ({safety}): {fix.description}"


@dataclass
class Verdict:
    """What verification found for one fix."""

    fix: AppliedFix
    outcome: str
    details: list[str] = field(default_factory=list)


@dataclass
class Fixes:
    """The fixed copy of the context and the fixes that went into it.

    ``unsettled`` labels the findings whose fix the loop applied and that are still
    reported on the fixed copy: a fix that does not fix its problem (it changes nothing,
    or it finds more of its own work on every pass until the loop's bound stops it).
    """

    folder: Path
    applied: list[AppliedFix]
    unsafe_left: int
    unsettled: list[str] = field(default_factory=list)
    engine_unanswered: bool = False
    index_unanswered: bool = False


def run(directory: Path, args: argparse.Namespace) -> int:
    """Verify the fixes for ``directory``; 0 when every fix kept the image and the spec
    passed, 1 when a fix broke or a check failed; CannotRun when nothing could be judged."""
    try:
        spec_path = find_spec(directory, Path(args.spec) if args.spec else None).resolve()
        spec = load_spec(spec_path, directory.resolve())
    except SpecError as error:
        raise CannotRun(str(error)) from None
    if spec.image is not None:
        raise CannotRun(
            f"{spec_path}: the spec names an image ({spec.image}) instead of a build; "
            "--verify-fixes builds the context and its fixed copy"
        )
    client = docker_ops.connect()
    run_id = new_run_id()
    scratch = Path(tempfile.mkdtemp(prefix="dlint-verify-"))
    # Every comparison build is made as the spec run builds: same args, secrets, builder.
    options = docker_ops.BuildOptions(
        nocache=args.no_cache,
        args=spec.build_args,
        secrets=spec.build_secrets,
        builder=args.builder,
        classic=args.classic_builder,
    )
    lab = Builds(client, run_id, directory.resolve(), spec.dockerfile, options, scratch)
    try:
        return _verify(lab, args, spec_path, directory)
    finally:
        if args.keep:
            _say(f"--keep: leaving {scratch} and everything labelled {docker_ops.LABEL}={run_id}")
        else:
            with signals.shielded():
                docker_ops.remove_run(client, run_id)
                shutil.rmtree(scratch, ignore_errors=True)


def _verify(lab: Builds, args: argparse.Namespace, spec_path: Path, directory: Path) -> int:
    if lab.options.builder is None:
        # A buildx builder of its own pulls its base images and does not see the engine's.
        # Before fixing: the engine-informed fixes read the local base images.
        docker_ops.ensure_base_images(lab.client, lab.context / lab.dockerfile)
    fixes = fix_copy(
        lab.context,
        lab.dockerfile,
        lab.scratch / "fixed",
        args.unsafe_fixes,
        from_engine=args.unsafe_fixes and lab.options.builder is None,
        from_index=args.unsafe_fixes,
    )
    kinds = "safe and unsafe" if args.unsafe_fixes else "safe"
    count = len(fixes.applied)
    _say(
        f"verify-fixes: {count} {kinds} fix{'es' * (count != 1)} applied to a copy of "
        f"{directory}, run {lab.run_id}"
    )
    if fixes.unsafe_left:
        _say(f"{fixes.unsafe_left} more with --unsafe-fixes (not applied, not verified)")
    if fixes.engine_unanswered:
        _say("the local engine did not answer the fixes that ask it (--from-engine): none used it")
    if fixes.index_unanswered:
        _say(
            "the package index did not resolve some requirements for the fixes that ask it "
            "(--from-index): none used those"
        )
    verdicts, together = judge(lab, fixes)
    broke = report(verdicts, together)
    broke = report_unsettled(fixes.unsettled) or broke
    if fixes.applied and lab.built(fixes.folder, "fixed") is None:
        _say("the fixed context does not build: the test spec cannot run")
        return EXIT_FAILED
    spec = _spec_in(spec_path, directory, fixes.folder)
    spec_args = argparse.Namespace(**{**vars(args), "spec": str(spec)})
    try:
        code = session.run_checks(fixes.folder, spec_args, run_id=lab.run_id)
    except CannotRun as error:
        if not broke:
            raise
        _say(f"the test spec could not run on the fixed image: {error}")
        code = EXIT_FAILED
    _say(summary(verdicts, together, fixes.unsettled))
    return EXIT_FAILED if broke else code


def _spec_in(spec_path: Path, directory: Path, copy: Path) -> Path:
    """The spec inside the fixed copy when it lives in the context, else where it is."""
    try:
        return copy / spec_path.relative_to(directory.resolve())
    except ValueError:
        return spec_path


def _say(line: str) -> None:
    print(f"dlint: {line}", flush=True)


def fix_copy(
    context: Path,
    dockerfile: str,
    folder: Path,
    unsafe: bool,
    from_engine: bool = False,
    from_index: bool = False,
) -> Fixes:
    """Copy ``context`` to ``folder`` and fix its Dockerfile there with the check run.

    With ``from_engine`` the fixes that ask the local engine (``dlint check --fix
    --unsafe-fixes --from-engine``: base image pins, apt versions) are made too, and with
    ``from_index`` those that ask the package index (``--from-index``: pip pins, the
    constraints file), so what is verified is what that command writes.
    """
    from dlint.enginefacts import asking
    from dlint.indexfacts import asking as asking_index

    with contextlib.ExitStack() as stack:
        engine = stack.enter_context(asking()) if from_engine else None
        index = stack.enter_context(asking_index()) if from_index else None
        fixes = _fix_copy(context, dockerfile, folder, unsafe)
    fixes.engine_unanswered = engine is not None and engine.answered is False
    fixes.index_unanswered = index is not None and index.answered is False
    return fixes


def _fix_copy(context: Path, dockerfile: str, folder: Path, unsafe: bool) -> Fixes:
    from dlint.checkrun import CheckOptions, config_resolver, fix_loop
    from dlint.config import ConfigError, discover_config
    from dlint.engine import check_targets, targets_for
    from dlint.fix import FixResult, apply_fixes
    from dlint.load import InputError

    copy_context(context, folder)
    # The copy lies outside the project: take the configuration the original would use.
    config = discover_config((context / dockerfile).resolve().parent)
    options = CheckOptions(
        paths=(str(folder / dockerfile),),
        context=str(folder),
        unsafe_fixes=unsafe,
        config=str(config) if config else None,
    )
    try:
        config_for = config_resolver(options)
        targets = targets_for(options.paths, options.context)
    except (InputError, ConfigError) as error:
        raise CannotRun(f"cannot lint the copy of {context}: {error}") from None
    result = check_targets(targets, config_for)
    if result.errors:
        raise CannotRun(f"cannot lint {context / dockerfile}: {result.errors[0]}")
    applied: list[AppliedFix] = []
    state: dict[str, str] = {}
    tried: set[tuple[str, str]] = set()  # (file, rule) of every fix the loop applied

    def record(changed: Mapping[str, tuple[str, FixResult]]) -> None:
        base = dict(state)
        # A fix that edits two files is one fix: its texts are gathered by finding.
        files: dict[int, str] = {}  # finding -> the file it is reported in (or its first)
        texts: dict[int, dict[str, str]] = {}
        found: dict[int, Finding] = {}
        for file, (before, fixed) in changed.items():
            relative = _relative(file, folder)
            for finding in fixed.applied:
                tried.add((relative, finding.rule))
                found[id(finding)] = finding
                if finding.file == file or id(finding) not in files:
                    files[id(finding)] = relative
                text = apply_fixes(before, file, [finding], unsafe).text
                # Edits that write back the text they replace change nothing to verify.
                if text != before:
                    texts.setdefault(id(finding), {})[relative] = text
            state[relative] = fixed.text
        for key, finding in found.items():
            if key in texts:
                applied.append(AppliedFix(finding, files[key], base, texts[key]))

    _, after, _ = fix_loop(targets, result, config_for, unsafe, io.StringIO(), record)
    left = sum(1 for f in after.findings if f.fix is not None and not f.fix.safe)
    unsettled = [
        fix_label(finding, file)
        for finding in after.findings
        for file in _fixed_file(finding, folder, unsafe)
        if (file, finding.rule) in tried
    ]
    return Fixes(folder, applied, 0 if unsafe else left, unsettled)


def _fixed_file(finding: Finding, folder: Path, unsafe: bool) -> list[str]:
    """The file (relative to ``folder``) the fix loop would edit for ``finding``, if any."""
    from dlint.fix import fixable

    if finding.fix is None or not finding.fix.edits:
        return []
    file = finding.fix.edits[0].file
    if file is None or not fixable(finding, file, unsafe):
        return []
    return [_relative(file, folder)]


def copy_context(context: Path, folder: Path) -> None:
    """Copy the build context (symbolic links as links); CannotRun when it cannot be read."""
    try:
        shutil.copytree(context, folder, symlinks=True)
    except (OSError, shutil.Error) as error:
        raise CannotRun(f"cannot copy {context} to fix it: {_first_problem(error)}") from None


def _first_problem(error: OSError | shutil.Error) -> str:
    # shutil.Error carries a list of (source, destination, reason), one per failed file.
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        source, _, reason = error.args[0][0]
        return f"{source}: {reason}"
    return str(error)


def _relative(file: str, folder: Path) -> str:
    return str(Path(file).resolve().relative_to(folder.resolve()))


@dataclass
class Built:
    """A built state of the context: its image and, once read, its inspect record and tree."""

    image_id: str
    builder: str = ""
    attrs: Mapping[str, Any] | None = None
    files: dict[str, imagediff.FileEntry] | None = None


@dataclass
class Builds:
    """Builds of the original context and of fixed states, each built once per run."""

    client: docker.DockerClient
    run_id: str
    context: Path
    dockerfile: str
    options: docker_ops.BuildOptions
    scratch: Path
    results: dict[str, Built | str] = field(default_factory=dict)

    def tag(self, name: str) -> str:
        """``dlint-verify/<context>:<run id>-<name>``."""
        base = re.sub(r"[^a-z0-9._-]+", "-", self.context.name.lower()).strip("-._")
        return f"dlint-verify/{base or 'context'}:{self.run_id}-{name}"

    def build(self, folder: Path, name: str) -> Built | str:
        """Build ``folder`` once; the result, or the build error's message."""
        if name not in self.results:
            _say(f"building {name} as {self.tag(name)}")
            try:
                result = docker_ops.build(
                    self.client,
                    folder,
                    self.dockerfile,
                    self.tag(name),
                    self.run_id,
                    lambda line: None,
                    options=self.options,
                )
                self.results[name] = Built(result.image_id, result.builder)
            except CannotRun as error:
                self.results[name] = str(error).splitlines()[0]
        return self.results[name]

    def built(self, folder: Path, name: str) -> Built | None:
        """The build of ``folder`` as ``name`` when it succeeded."""
        result = self.build(folder, name)
        return result if isinstance(result, Built) else None

    def state(self, texts: Mapping[str, str], name: str) -> Built | str:
        """Build the original context with ``texts`` (relative path -> text) written over it."""
        if not texts:
            return self.build(self.context, "original")
        folder = self.scratch / name
        if not folder.exists():
            copy_context(self.context, folder)
            for relative, text in texts.items():
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                (folder / relative).write_text(text, encoding="utf-8")
        return self.build(folder, name)

    def _attrs(self, built: Built) -> Mapping[str, Any]:
        if built.attrs is None:
            built.attrs = self.client.images.get(built.image_id).attrs
        return built.attrs

    def _tree(self, built: Built, name: str) -> dict[str, imagediff.FileEntry]:
        if built.files is None:
            built.files = self._files(built.image_id, name)
        return built.files

    def _files(self, image_id: str, name: str) -> dict[str, imagediff.FileEntry]:
        # A container that is created, never started, exports the image's file tree. The
        # entrypoint is only there because the engine refuses an image with no command.
        container = self.client.containers.create(
            image_id,
            entrypoint=["/dlint-export"],
            command=[],
            name=f"{self.run_id}-export-{name}",
            labels={docker_ops.LABEL: self.run_id, docker_ops.OWNER_LABEL: docker_ops.owner()},
            network_disabled=True,
        )
        try:
            chunks = cast(Iterator[bytes], container.export(chunk_size=EXPORT_CHUNK))
            stream = io.BufferedReader(ChunkReader(chunks), EXPORT_CHUNK)
            return imagediff.file_tree(stream)
        finally:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)

    def compare(
        self, before: Built, before_name: str, after: Built, after_name: str
    ) -> list[Difference]:
        """What differs between two builds (nothing when they are the same image).

        Images made of the same layers have the same file tree: only their configuration
        is compared then, which saves exporting both.
        """
        if before.image_id == after.image_id:
            return []
        old, new = self._attrs(before), self._attrs(after)
        same_files = _layers(old) == _layers(new)
        old_files = {} if same_files else self._tree(before, before_name)
        new_files = {} if same_files else self._tree(after, after_name)
        return imagediff.differences(
            imagediff.snapshot_of(old, old_files), imagediff.snapshot_of(new, new_files)
        )


def _layers(attrs: Mapping[str, Any]) -> list[str]:
    return list((attrs.get("RootFS") or {}).get("Layers") or [])


def judge(lab: Builds, fixes: Fixes) -> tuple[list[Verdict], list[str]]:
    """A verdict per fix, and what the fixes changed together that none of them declares."""
    if not fixes.applied:
        return [], []
    original = lab.state({}, "original")
    if isinstance(original, str):
        raise CannotRun(f"the original context does not build, nothing to compare: {original}")
    _say(f"the original built with {original.builder}, as every build of this run")
    declared: list[tuple[AppliedFix, tuple[Intent, ...]]] = []
    verdicts: list[Verdict] = []
    for fix in fixes.applied:
        try:
            declared.append((fix, fix.intents()))
        except IntentError as error:
            reason = f"the fix declares a change dlint cannot check: {error}"
            verdicts.append(Verdict(fix, BROKE, [reason]))
    fixed = lab.build(fixes.folder, "fixed")
    if isinstance(fixed, Built):
        found = lab.compare(original, "original", fixed, "fixed")
        everything = [i for _, intents in declared for i in intents]
        allowed, rest = imagediff.explained(found, everything)
        if not rest:
            verdicts += [_own_verdict(fix, intents, allowed) for fix, intents in declared]
            return _in_order(verdicts, fixes), []
        if len(fixes.applied) == 1:
            return _in_order([*verdicts, _broke(fixes.applied[0], rest)], fixes), []
        problem = [d.describe() for d in rest]
    else:
        problem = [f"the fixed context does not build: {fixed}"]
    # Something no fix declares: rebuild each fix alone to find the one that did it.
    for index, (fix, intents) in enumerate(declared, 1):
        verdicts.append(_alone(lab, fix, intents, index))
    together = [] if any(v.outcome == BROKE for v in verdicts) else problem
    return _in_order(verdicts, fixes), together


def _in_order(verdicts: list[Verdict], fixes: Fixes) -> list[Verdict]:
    order = {id(fix): n for n, fix in enumerate(fixes.applied)}
    return sorted(verdicts, key=lambda v: order[id(v.fix)])


def _own_verdict(
    fix: AppliedFix, intents: tuple[Intent, ...], allowed: list[Difference]
) -> Verdict:
    mine, _ = imagediff.explained(allowed, intents)
    if mine:
        return Verdict(fix, INTENDED, [d.describe() for d in mine])
    return Verdict(fix, KEPT)


def _broke(fix: AppliedFix, rest: list[Difference]) -> Verdict:
    return Verdict(fix, BROKE, [d.describe() for d in rest])


def _alone(lab: Builds, fix: AppliedFix, intents: tuple[Intent, ...], index: int) -> Verdict:
    # Fixes of one pass share the state they were made on: build it once.
    digest = hashlib.sha256(repr(sorted(fix.base.items())).encode()).hexdigest()[:8]
    base_name = f"base-{digest}" if fix.base else "original"
    base = lab.state(fix.base, base_name)
    alone = lab.state({**fix.base, **fix.texts}, f"fix{index}")
    if isinstance(base, str):
        return Verdict(fix, BROKE, [f"the state before this fix does not build: {base}"])
    if isinstance(alone, str):
        return Verdict(fix, BROKE, [f"with this fix alone the image does not build: {alone}"])
    found = lab.compare(base, base_name, alone, f"fix{index}")
    allowed, rest = imagediff.explained(found, intents)
    if rest:
        return _broke(fix, rest)
    return _own_verdict(fix, intents, allowed)


def report(verdicts: list[Verdict], together: list[str], out: IO[str] | None = None) -> bool:
    """Print one line per fix (and the details of each change); True when one broke."""
    out = out or sys.stdout
    if not verdicts:
        print("dlint: no fixes to verify", file=out)
    else:
        print("dlint: each fix, compared with the image built without it:", file=out)
    width = max((len(v.outcome) for v in verdicts), default=0)
    for verdict in verdicts:
        print(f"  {verdict.outcome:<{width}}  {verdict.fix.label}", file=out)
        for line in verdict.details[:SHOWN_DIFFERENCES]:
            print(f"  {'':<{width}}    {line}", file=out)
        hidden = len(verdict.details) - SHOWN_DIFFERENCES
        if hidden > 0:
            print(f"  {'':<{width}}    ... and {hidden} more", file=out)
    if together:
        print("  together the fixes changed what none of them declares:", file=out)
        for line in together[:SHOWN_DIFFERENCES]:
            print(f"      {line}", file=out)
    out.flush()
    return bool(together) or any(v.outcome == BROKE for v in verdicts)


def report_unsettled(labels: list[str], out: IO[str] | None = None) -> bool:
    """Print the findings the fixes left standing; True when there are any."""
    out = out or sys.stdout
    if labels:
        print(
            "dlint: still reported after fixing (a second --fix would apply these again; "
            "each is a bug in its fix):",
            file=out,
        )
        for label in labels:
            print(f"  {label}", file=out)
        out.flush()
    return bool(labels)


def summary(verdicts: list[Verdict], together: list[str], unsettled: Sequence[str] = ()) -> str:
    """``verify-fixes: 4 kept, 1 changed as intended, 0 broke``."""
    counts = {outcome: 0 for outcome in (KEPT, INTENDED, BROKE)}
    for verdict in verdicts:
        counts[verdict.outcome] += 1
    text = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    if together:
        text += "; together they changed what none declares"
    if unsettled:
        text += f"; {len(unsettled)} still reported after fixing"
    return f"verify-fixes: {text}"
