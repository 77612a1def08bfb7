"""The comparison behind ``dlint test --verify-fixes``, without an engine.

What two images differ in, what a fix's declared ``changes`` allow, how the fix loop's
passes are recorded for rebuilding one fix alone, and that every fix in the rule pack
declares changes the verifier can read.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from helpers import case_engine
from test_rule_cases import CASES, write_case

from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.harness import verify_fixes
from dlint.harness.imagediff import (
    Difference,
    FileEntry,
    Intent,
    IntentError,
    differences,
    explained,
    file_tree,
    parse_intents,
    snapshot_of,
)

FIXABLE = Path(__file__).parent / "data" / "fixable"


def image(config: dict | None = None, files: dict[str, FileEntry] | None = None, **top):
    """A snapshot from an inspect-like record."""
    return snapshot_of({"Config": config or {}, **top}, files or {})


def entry(kind: str = "file", mode: int = 0o644, owner: int = 0, size: int = 1) -> FileEntry:
    """A file tree entry."""
    return FileEntry(kind, mode, owner, owner, size if kind == "file" else 0)


def test_env_and_labels_differ_item_by_item_and_dlint_labels_are_not_compared():
    before = image({"Env": ["PATH=/bin", "A=1"], "Labels": {"dlint.run": "x", "k": "v"}})
    after = image({"Env": ["PATH=/bin", "A=2", "B=3"], "Labels": {"dlint.run": "y", "k": "v"}})
    found = differences(before, after)
    assert [(d.aspect, d.item, d.change) for d in found] == [
        ("Env", "A", "changed"),
        ("Env", "B", "added"),
    ]
    assert found[0].describe() == 'Env A changed: "1" -> "2"'


def test_shell_form_to_exec_form_with_the_same_words_is_a_form_change():
    before = image({"Cmd": ["/bin/sh", "-c", "gunicorn --bind 0.0.0.0:8000 'app:app'"]})
    same = image({"Cmd": ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]})
    other = image({"Cmd": ["gunicorn", "app:app"]})
    assert [d.change for d in differences(before, same)] == ["form"]
    assert [d.change for d in differences(before, other)] == ["changed"]
    form = Intent.parse("Cmd.form")
    assert form.covers(differences(before, same)[0])
    assert not form.covers(differences(before, other)[0])
    assert Intent.parse("Cmd").covers(differences(before, other)[0])


def test_a_healthcheck_keeps_its_timing_when_only_its_form_changes():
    timing = {"Interval": 5_000_000_000, "Retries": 3}
    before = image({"Healthcheck": {"Test": ["CMD-SHELL", "python /probe.py"], **timing}})
    after = image({"Healthcheck": {"Test": ["CMD", "python", "/probe.py"], **timing}})
    retimed = image({"Healthcheck": {"Test": ["CMD", "python", "/probe.py"], "Retries": 9}})
    assert [d.change for d in differences(before, after)] == ["form"]
    assert [d.change for d in differences(before, retimed)] == ["changed"]


def test_file_differences_name_what_changed_and_ignore_nothing_else():
    before = image(files={"/app": entry("dir", 0o755), "/app/a": entry(), "/app/b": entry()})
    after = image(
        files={
            "/app": entry("dir", 0o755),
            "/app/a": entry(owner=1000),
            "/app/c": entry(size=2),
        }
    )
    found = {(d.item, d.change, d.attributes) for d in differences(before, after)}
    assert found == {
        ("/app/a", "changed", ("owner",)),
        ("/app/b", "removed", ()),
        ("/app/c", "added", ()),
    }


@pytest.mark.parametrize(
    ("intent", "difference", "covered"),
    [
        ("removed:**/.cache/pip/**", ("/root/.cache/pip/http/x", "removed", ()), True),
        ("removed:**/.cache/pip/**", ("/root/.cache/pip", "removed", ()), True),
        ("removed:**/.cache/pip/**", ("/root/.cache/pip/x", "added", ()), False),
        ("removed:**/.cache/pip/**", ("/root/.cache/other", "removed", ()), False),
        ("files:/etc/*", ("/etc/passwd", "changed", ("size",)), True),
        ("files:/etc/*", ("/etc/ssl/cert", "changed", ("size",)), False),
        ("owners:/app/**", ("/app/x", "changed", ("owner",)), True),
        ("owners:/app/**", ("/app/x", "changed", ("owner", "mode")), False),
    ],
)
def test_path_intents_cover_only_their_paths_and_kind_of_change(intent, difference, covered):
    path, change, attributes = difference
    found = Difference("files", path, change, "", "", attributes)
    assert Intent.parse(intent).covers(found) is covered


def test_an_item_intent_covers_that_item_only():
    env = Intent.parse("Env:PYTHONUNBUFFERED")
    assert env.covers(Difference("Env", "PYTHONUNBUFFERED", "added", "", '"1"'))
    assert not env.covers(Difference("Env", "PATH", "changed", "a", "b"))
    assert not env.covers(Difference("User", None, "changed", "", '"app"'))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Usr", "unknown change"),
        ("User.form", "take .form"),
        ("User:root", "name an item"),
        ("files:etc/*", "must start with"),
    ],
)
def test_a_malformed_intent_is_refused_with_the_reason(text, message):
    with pytest.raises(IntentError, match=message):
        Intent.parse(text)


def test_a_folder_that_only_held_intended_changes_is_intended_too():
    before = image(
        files={
            "/root/.cache": entry("dir", 0o755),
            "/root/.cache/pip": entry("dir", 0o755),
            "/root/.cache/pip/x": entry(),
            "/empty": entry("dir", 0o755),
        }
    )
    allowed, rest = explained(
        differences(before, image()), parse_intents(["removed:**/.cache/pip/**"])
    )
    assert {d.item for d in allowed} == {"/root/.cache", "/root/.cache/pip", "/root/.cache/pip/x"}
    assert [d.item for d in rest] == ["/empty"]


def test_the_file_tree_of_an_export_names_paths_absolutely_and_follows_hard_links():
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        folder = tarfile.TarInfo("./etc/")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        archive.addfile(folder)
        passwd = tarfile.TarInfo("etc/passwd")
        passwd.size, passwd.uid = 5, 0
        archive.addfile(passwd, io.BytesIO(b"root\n"))
        link = tarfile.TarInfo("etc/passwd-")
        link.type, link.linkname = tarfile.LNKTYPE, "etc/passwd"
        archive.addfile(link)
        symlink = tarfile.TarInfo(".dockerenv-link")
        symlink.type, symlink.linkname = tarfile.SYMTYPE, "/.dockerenv"
        archive.addfile(symlink)
    data.seek(0)
    tree = file_tree(data)
    assert tree["/etc"].kind == "dir"
    assert tree["/etc/passwd-"] == tree["/etc/passwd"] == FileEntry("file", 0o644, 0, 0, 5)
    assert tree["/.dockerenv-link"].target == "/.dockerenv"


def test_the_fix_loop_records_each_fix_alone_on_the_text_it_was_made_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fixes = verify_fixes.fix_copy(FIXABLE, "Dockerfile", tmp_path / "fixed", unsafe=False)
    original = (FIXABLE / "Dockerfile").read_text()
    fixed = (tmp_path / "fixed" / "Dockerfile").read_text()
    assert [f.finding.name for f in fixes.applied] == [
        "from-as-casing",
        "legacy-key-value",
        "instruction-casing",
        "pip-cache-kept",
        "expose-protocol-casing",
    ]
    assert "pip install --no-cache-dir" in fixed and "workdir" not in fixed
    assert (FIXABLE / "Dockerfile").read_text() == original, "the original is never touched"
    for fix in fixes.applied:
        assert fix.base == {} and fix.file == "Dockerfile"
        pairs = zip(original.splitlines(), fix.texts["Dockerfile"].splitlines(), strict=True)
        changed = [(a, b) for a, b in pairs if a != b]
        assert len(changed) == 1, f"{fix.finding.name} alone changes one line: {changed}"
    assert fixes.unsafe_left == 0


FIX_CASES = [p for p in CASES if isinstance(p.values[1], dict) and "fixed" in p.values[1]]


@pytest.mark.parametrize(("rule", "case"), FIX_CASES)
def test_every_fix_in_the_pack_declares_changes_the_verifier_reads(rule, case, tmp_path):
    dockerfile = write_case(tmp_path, case)
    config = from_mapping({"select": [rule.id]}, "case")
    with case_engine(case):
        result = check_targets([Target(dockerfile.name, dockerfile, tmp_path)], lambda _: config)
    fixes = [f.fix for f in result.findings if f.fix is not None]
    assert fixes, "a case with a fixed text has a fix"
    for fix in fixes:
        parse_intents(fix.changes)


class FakeBuilds:
    """Stands in for the engine in ``judge``: each state's image is named by its texts,
    and ``changes`` says what differs between two of them."""

    def __init__(self, changes: dict[tuple[str, str], list[Difference]], broken=()) -> None:
        self.changes = changes
        self.broken = set(broken)

    def _image(self, name: str) -> verify_fixes.Built | str:
        if name in self.broken:
            return f"build of {name} failed"
        return verify_fixes.Built(name)

    def state(self, texts, name):
        return self._image("original" if not texts else "+".join(sorted(texts.values())))

    def build(self, folder, name):
        return self._image("fixed")

    def compare(self, before, before_name, after, after_name):
        return self.changes.get((before.image_id, after.image_id), [])


def fix_of(name: str, text: str, changes: tuple[str, ...] = ()) -> verify_fixes.AppliedFix:
    """An applied fix whose text alone is ``text``."""
    from dlint.finding import Finding, Fix, Severity, Span

    fix = Fix(f"fix {name}", (), changes=changes)
    finding = Finding("D000", name, (), Severity.INFO, name, "Dockerfile", Span.of(1, 1, 1, 2), fix)
    return verify_fixes.AppliedFix(finding, "Dockerfile", {}, {"Dockerfile": text})


def judged(fake: FakeBuilds, *fixes: verify_fixes.AppliedFix):
    from typing import cast

    found = verify_fixes.Fixes(Path("fixed"), list(fixes), 0)
    verdicts, together = verify_fixes.judge(cast(verify_fixes.Builds, fake), found)
    return {v.fix.finding.name: (v.outcome, v.details) for v in verdicts}, together


USER = Difference("User", None, "changed", "", '"app"')
PAGE = Difference("files", "/srv/page.html", "added", "", "file 0644 0:0 1 B")


def test_a_fix_that_changed_what_it_does_not_declare_is_found_by_rebuilding_it_alone():
    fake = FakeBuilds(
        {("original", "fixed"): [USER, PAGE], ("original", "a"): [USER], ("original", "b"): [PAGE]}
    )
    verdicts, together = judged(fake, fix_of("user", "a", ("User",)), fix_of("page", "b"))
    assert verdicts == {
        "user": ("changed as intended", [USER.describe()]),
        "page": ("broke", [PAGE.describe()]),
    }
    assert together == []


def test_changes_that_only_the_fixes_together_make_are_reported_as_theirs():
    fake = FakeBuilds({("original", "fixed"): [PAGE]})
    verdicts, together = judged(fake, fix_of("one", "a"), fix_of("two", "b"))
    assert verdicts == {"one": ("kept", []), "two": ("kept", [])}
    assert together == [PAGE.describe()]
    assert verify_fixes.report([], together, io.StringIO()) is True


def test_a_fix_whose_image_no_longer_builds_broke():
    fake = FakeBuilds({}, broken={"fixed", "b"})
    verdicts, _ = judged(fake, fix_of("fine", "a"), fix_of("breaks", "b"))
    assert verdicts["fine"] == ("kept", [])
    assert verdicts["breaks"] == (
        "broke",
        ["with this fix alone the image does not build: build of b failed"],
    )


def test_a_malformed_declaration_is_a_broken_fix_and_the_others_are_still_judged():
    fake = FakeBuilds({("original", "fixed"): [USER]})
    verdicts, together = judged(fake, fix_of("bad", "a", ("Usr",)), fix_of("user", "b", ("User",)))
    assert verdicts["bad"][0] == "broke" and "unknown change" in verdicts["bad"][1][0]
    assert verdicts["user"] == ("changed as intended", [USER.describe()])
    assert together == []
