"""dlint works from a normal (non-editable) install, from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import REPO


def test_wheel_installs_rules_inside_dlint_and_runs_from_elsewhere(tmp_path: Path) -> None:
    """The wheel has no top-level ``rules`` package, and the installed copy finds every rule."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(wheels), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("dlint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("rules/")]
    assert "dlint/rules/base/base_image_unpinned.yml" in names
    # The JSON Schemas editors read (docs/editors.md) ship inside the package.
    assert "dlint/schemas/dlint-config.schema.json" in names
    # setup.py discovers the areas: every folder of the pack is installed, with its cases.
    for source in (REPO / "rules").rglob("*.py"):
        assert f"dlint/rules/{source.relative_to(REPO / 'rules').as_posix()}" in names
        if not source.name.startswith("_"):
            assert f"dlint/rules/{source.relative_to(REPO / 'rules').with_suffix('.yml')}" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert not (target / "rules").exists()
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "Dockerfile").write_text("FROM python\n")
    env = {**os.environ, "PYTHONPATH": str(target)}
    listed = subprocess.run(
        [sys.executable, "-m", "dlint", "rules"], cwd=work, env=env, capture_output=True
    )
    installed = subprocess.run(
        [sys.executable, "-c", "import dlint; print(dlint.__file__)"],
        cwd=work, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert installed.stdout.startswith(str(target))
    source_rules = {p.stem for p in (REPO / "rules").rglob("*.py") if not p.stem.startswith("_")}
    assert len(listed.stdout.decode().splitlines()) == len(source_rules)
    checked = subprocess.run(
        [sys.executable, "-m", "dlint", "check"], cwd=work, env=env, capture_output=True
    )
    assert checked.returncode == 1
    assert b"Dockerfile:1:6: warning base-image-unpinned" in checked.stdout
