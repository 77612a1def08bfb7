"""Spec loading and validation, and the errors ``dlint test`` gives for bad input."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from dlint.harness.spec import SpecError, load_spec

REFERENCE = Path(__file__).resolve().parents[2] / "reference"


def write_spec(tmp_path: Path, data: dict) -> Path:
    """Copy the reference and replace its spec with ``data``."""
    context = tmp_path / "context"
    shutil.copytree(REFERENCE, context)
    (context / "dlint-test.yaml").write_text(yaml.safe_dump(data))
    return context


def reference_data() -> dict:
    """The reference spec as data."""
    return yaml.safe_load((REFERENCE / "dlint-test.yaml").read_text())


def test_reference_spec_is_valid():
    spec = load_spec(REFERENCE / "dlint-test.yaml", REFERENCE)
    assert spec.service.port == 8080
    assert len(spec.http) >= 20


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="blue"), "(top level): Additional properties"),
        (lambda d: d["service"].update(port="eighty"), "service.port: 'eighty' is not"),
        (lambda d: d["http"][1]["expect"].pop("status"), "http[1].expect: 'status' is a required"),
        (lambda d: d["http"][0]["request"].update(path="health"), "http[0].request.path"),
        (lambda d: d["inside"].update(packages_lock="nope.lock"), "inside.packages_lock: file"),
        (lambda d: d["http"].append(d["http"][0]), "http: duplicate case names health"),
    ],
)
def test_invalid_spec_names_file_and_key(tmp_path, change, message):
    data = reference_data()
    change(data)
    context = write_spec(tmp_path, data)
    with pytest.raises(SpecError) as raised:
        load_spec(context / "dlint-test.yaml", context)
    assert str(raised.value).startswith(str(context / "dlint-test.yaml"))
    assert message in str(raised.value)


def test_bad_spec_exits_2_with_one_line(tmp_path, dlint_test):
    data = reference_data()
    data["service"]["port"] = 0
    result = dlint_test(str(write_spec(tmp_path, data)))
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("dlint: error: ")
    assert "service.port" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_spec_exits_2(tmp_path, dlint_test):
    result = dlint_test(str(tmp_path))
    assert result.code == 2
    assert "no spec file found" in result.stderr


def test_missing_directory_exits_2(tmp_path, dlint_test):
    result = dlint_test(str(tmp_path / "absent"))
    assert result.code == 2
    assert "not a directory" in result.stderr


def _bomb() -> str:
    levels = ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"&a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return "[" + ", ".join(levels) + "]"


@pytest.mark.parametrize(
    ("memory", "message"),
    [
        (_bomb(), "expands to more than"),
        ("[" * 20_000 + "]" * 20_000, "nested deeper than"),
        ("9" * 5_000, "more than 4300 digits"),
        (b"\xff\xfe", "not valid UTF-8 (byte 0xff"),
    ],
    ids=["alias-bomb", "deep", "long-int", "bad-utf8"],
)
def test_hostile_spec_is_one_line_in_bounded_time(tmp_path, memory, message):
    """A bomb or a broken value under service.memory: exit 2, one line, no engine needed."""
    context = tmp_path / "context"
    shutil.copytree(REFERENCE, context)
    spec = context / "dlint-test.yaml"
    value = memory if isinstance(memory, bytes) else memory.encode()
    text = spec.read_bytes().replace(b"  memory: 512m\n", b"  memory: " + value + b"\n")
    assert text != spec.read_bytes()
    spec.write_bytes(text)
    started = time.monotonic()
    # Through the `dlint` command itself, as a user runs it.
    result = subprocess.run(
        [sys.executable, "-m", "dlint", "test", str(context)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 15
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"dlint: error: {spec}"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr


def test_the_pages_tables_are_made_from_the_records_and_the_check_kinds():
    from dlint.harness import specdoc

    text = specdoc.PAGE.read_text(encoding="utf-8")
    stale = "docs/test-spec.md is out of date: python -m dlint.harness.specdoc --write"
    assert specdoc.rendered(text) == text, stale
    generated = [match[2] + " " + match[3] for match in specdoc.BLOCK.finditer(text)]
    assert {name.split()[1] for name in generated} >= {"service", "inside", "runtime"}


def test_a_default_is_the_records_and_the_schemas():
    """The one place: a spec without the key reads the default the schema announces."""
    from dlint.harness.spec import schema

    service = schema()["$defs"]["Service"]["properties"]
    spec = load_spec(REFERENCE / "dlint-test.yaml", REFERENCE)
    assert service["memory"]["default"] == "512m" == spec.service.memory
    readiness = schema()["$defs"]["Readiness"]["properties"]
    assert readiness["timeout"]["default"] == 60
    stop = schema()["$defs"]["GracefulStop"]["properties"]
    assert (stop["grace"]["default"], stop["stop_after"]["default"]) == (10, 0.5)
