"""The published JSON Schemas: current, valid, and in agreement with what dlint accepts.

An editor that validates ``.dlint.yaml`` with the schema must flag exactly what
``dlint check`` refuses; the cases below are run through both. (One difference is
deliberate: dlint also takes ids, aliases and prefixes in any letter case, the schema
offers them as dlint spells them, which is what completion should show.)
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helpers import REPO

from dlint import schemas
from dlint.config import KEYS, ConfigError, from_mapping

CONFIG = schemas.load(schemas.CONFIG)
PYPROJECT = schemas.load(schemas.PYPROJECT)
SPEC = schemas.load(schemas.SPEC)


def schema_accepts(schema: dict[str, Any], document: Any) -> bool:
    """True when ``document`` is valid under ``schema``."""
    return jsonschema.Draft202012Validator(schema).is_valid(document)


def dlint_accepts(settings: Any) -> bool:
    """True when ``dlint.config`` takes these settings without an error."""
    try:
        from_mapping(settings, "test")
    except ConfigError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(schemas.GENERATORS))
def test_shipped_schema_is_what_dlint_generates(name: str):
    shipped = (schemas.FOLDER / name).read_text(encoding="utf-8")
    assert shipped == schemas.rendered()[name], (
        f"dlint/schemas/{name} is out of date: run python -m dlint.schemas --write"
    )


@pytest.mark.parametrize("name", sorted(schemas.GENERATORS))
def test_schema_is_valid_json_schema(name: str):
    jsonschema.Draft202012Validator.check_schema(schemas.load(name))


def test_schema_has_every_configuration_key_with_its_help():
    properties = CONFIG["properties"]
    assert set(properties) == set(KEYS)
    assert all(properties[key]["description"] == KEYS[key] for key in KEYS)
    assert PYPROJECT["$defs"]["dlint"]["properties"] == properties


def test_a_key_dlint_accepts_without_a_schema_fails_generation(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(schemas.KEYS, "cache-dir", "list of globs")
    with pytest.raises(schemas.SchemaOutOfDate, match="'cache-dir'"):
        schemas.config_schema()


SETTINGS: list[Any] = [
    None,
    {},
    {"select": ["ALL"], "ignore": ["apt-unpinned", "DL3015", "D100"]},
    {"select": "D100, pip-unpinned"},
    {"select": "D100, no-such-rule"},
    {"ignore": ["no-such-rule"]},
    {"ignore": "pip-unpinned"},
    {"ignore": None},
    {"ignore": [1]},
    {"extend-select": ["shellcheck"]},
    {"select": ["D4", "DL30"]},
    {"select": "D4, DL3015"},
    {"ignore": ["D9"]},
    {"ignore": ["DL9999", "SC9999", "DS-9999"]},
    {"ignore": ["NoSuchBuildkitCheck"]},
    {"ignore": ["no_such_rule"]},
    {"severity": {"D4": "error"}},
    {"severity": {"root-user": "error", "DL3008": "style"}},
    {"severity": {"root-user": "fatal"}},
    {"severity": {"no-such-rule": "error"}},
    {"severity": ["root-user"]},
    {"per-path-ignores": {"legacy/*": ["pip-unpinned"]}},
    {"per-path-ignores": {"legacy/*": ["no-such-rule"]}},
    {"per-path-ignores": ["legacy/*"]},
    {"failure-threshold": "none"},
    {"failure-threshold": "warning"},
    {"failure-threshold": "fatal"},
    {"trusted-registries": ["ghcr.io"]},
    {"trusted-registries": "ghcr.io"},
    {"rules": {"untrusted-registry": {"registries": ["ghcr.io"]}}},
    {"rules": {"label-missing": {"required": ["org.opencontainers.image.source"], "strict": True}}},
    {"rules": {"label-missing": {"strict": "yes"}}},
    {"rules": {"untrusted-registry": {"registries": "ghcr.io"}}},
    {"rules": {"untrusted-registry": {"mirrors": []}}},
    {"rules": {"root-user": {}}},
    {"rules": {"root-user": {"anything": 1}}},
    {"rules": {"no-such-rule": {}}},
    {"rules": {"root-user": []}},
    {"unknown-key": 1},
    ["select"],
    "select: ALL",
]


@pytest.mark.parametrize("settings", SETTINGS, ids=repr)
def test_schema_and_dlint_agree(settings: Any):
    accepted = dlint_accepts(settings)
    assert schema_accepts(CONFIG, settings) is accepted
    if settings is not None:  # TOML has no null
        assert schema_accepts(PYPROJECT, {"tool": {"dlint": settings}}) is accepted


def test_the_cases_cover_both_answers():
    answers = [dlint_accepts(settings) for settings in SETTINGS]
    assert answers.count(True) >= 10 and answers.count(False) >= 10


def test_pyproject_schema_leaves_the_rest_of_the_file_alone():
    document = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert schema_accepts(PYPROJECT, document)
    document.setdefault("tool", {})["dlint"] = {"ignore": ["no-such-rule"]}
    assert not schema_accepts(PYPROJECT, document)


def documented_configs() -> list[tuple[str, Any]]:
    """The README's ``.dlint.yaml`` examples, and docs/editors.md's."""
    found = []
    for page in ("README.md", "docs/editors.md"):
        text = (REPO / page).read_text()
        for block in re.findall(r"```yaml\n(# \.dlint\.yaml\n.*?)```", text, re.S):
            found.append((page, yaml.safe_load(block)))
    return found


def repository_files(*names: str) -> list[Path]:
    """Files of the repository (tracked or new, not ignored) with one of these names."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return [REPO / name for name in listed if Path(name).name in names]


def test_documented_and_repository_configs_are_valid():
    configs = documented_configs()
    configs += [
        (str(path), yaml.safe_load(path.read_text()))
        for path in repository_files(".dlint.yaml", ".dlint.yml")
    ]
    assert any(page == "README.md" for page, _ in configs)
    for where, settings in configs:
        assert dlint_accepts(settings), where
        assert schema_accepts(CONFIG, settings), where


def test_repository_test_specs_are_valid():
    specs = repository_files("dlint-test.yaml", "dlint-test.yml")
    assert REPO / "reference" / "dlint-test.yaml" in specs
    for path in specs:
        assert schema_accepts(SPEC, yaml.safe_load(path.read_text())), path
    assert not schema_accepts(SPEC, {"version": 1})


def test_the_spec_schema_is_for_editors_and_the_reference_names_it():
    assert SPEC["$id"] and SPEC["title"]
    described = [key for key, value in SPEC["properties"].items() if value.get("description")]
    assert described == list(SPEC["properties"])
    for name, definition in SPEC["$defs"].items():
        for key, value in definition["properties"].items():
            assert value.get("description"), f"{name}.{key}"
    first = (REPO / "reference" / "dlint-test.yaml").read_text().splitlines()[0]
    named = first.removeprefix("# yaml-language-server: $schema=")
    assert named != first, "reference/dlint-test.yaml names no schema for editors"
    assert (REPO / "reference" / named).resolve() == (schemas.FOLDER / schemas.SPEC).resolve()
