"""Pure parts of the harness: JSON subset matching, FROM lines, lock pins, build steps."""

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dlint.harness import options, plugin
from dlint.harness.contract import subset_mismatch
from dlint.harness.docker_ops import (
    LAYER_INSTRUCTION,
    BuildStep,
    _Numbering,
    _record_step,
    base_images,
    labelled_dockerfile,
)
from dlint.harness.inside import read_lock
from dlint.harness.session import CannotRun, Outcome, exit_code


@pytest.mark.parametrize(
    ("expected", "actual", "problem"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, None),
        ({"a": {"b": [1, {"c": "x"}]}}, {"a": {"b": [1, {"c": "x", "d": 0}]}}, None),
        ({"a": 1}, {"b": 1}, "$.a: missing"),
        ({"a": [1, 2]}, {"a": [1]}, "$.a: expected a list of 2"),
        ({"a": True}, {"a": 1}, "$.a: expected true, got 1"),
        ({"a": 0}, {"a": False}, "$.a: expected 0, got false"),
        ({"a": "x"}, ["x"], "$: expected an object"),
    ],
)
def test_subset_mismatch(expected, actual, problem):
    found = subset_mismatch(expected, actual)
    assert found == problem if problem is None else found.startswith(problem)


def test_base_images_skip_stages_scratch_and_unset_args(tmp_path: Path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "ARG BASE\nARG DEBIAN=12\nFROM python:3.11-slim AS builder\nFROM builder AS test\n"
        "FROM --platform=linux/amd64 debian:${DEBIAN} AS other\nFROM scratch\nFROM ${BASE}\n"
    )
    assert base_images(dockerfile) == ["python:3.11-slim", "debian:12"]


def test_read_lock_normalises_names(tmp_path: Path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# header\nFlask==3.1.3\nscikit_learn==1.9.1  # why\nzope.interface==7\n")
    assert read_lock(lock) == {"flask": "3.1.3", "scikit-learn": "1.9.1", "zope-interface": "7"}


def test_build_steps_record_cache_use_and_skip_from():
    steps: list[BuildStep] = []
    lines = ["Step 1/3 : FROM x", "Step 2/3 : RUN a", "---> Using cache", "Step 3/3 : COPY b c"]
    shown: list[str] = []
    for line in lines:
        _record_step(line, steps, shown.append)
    assert steps == [BuildStep(2, "RUN a", True), BuildStep(3, "COPY b c", False)]
    assert shown[0] == "Step 1/3 : FROM x"


def test_plugin_is_inert_without_its_option(tmp_path: Path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    probe = (
        "import sys, pytest\n"
        f"code = pytest.main(['-q', '-p', 'no:cacheprovider', {str(tmp_path)!r}])\n"
        # pytest-testinfra's own plugin imports testinfra, so only ours are checked here.
        "heavy = [m for m in ('docker', 'requests', 'jsonschema') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(int(code))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "HEAVY []" in done.stdout


def test_harness_import_is_light():
    probe = "import sys, dlint.harness; print(sorted({'docker', 'pytest'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_labelled_dockerfile_labels_every_stage_after_its_from(tmp_path: Path):
    """Continuation lines and CRLF are followed; the copy keeps every line of the original."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(
        b"# syntax note\r\nFROM python:3.11-slim \\\r\n  AS builder\r\nRUN echo hi\r\n"
        b"FROM scratch\r\nCOPY --from=builder /x /x\r\n"
    )
    text, added = labelled_dockerfile(dockerfile)
    assert added == 2
    assert text.split("\n") == [
        "# syntax note",
        "FROM python:3.11-slim \\",
        "  AS builder",
        LAYER_INSTRUCTION,
        "RUN echo hi",
        "FROM scratch",
        LAYER_INSTRUCTION,
        "COPY --from=builder /x /x",
        "",
    ]


def test_injected_steps_are_hidden_and_steps_keep_the_users_numbers():
    numbering = _Numbering(injected=2)
    stream = [
        "Step 1/6 : FROM a AS b\n",
        f"Step 2/6 : {LAYER_INSTRUCTION}\n",
        " ---> Using cache\n",
        " ---> 1234\n",
        "Step 3/6 : RUN x\n",
        " ---> Using cache\n",
        "Step 4/6 : FROM c\n",
        f"Step 5/6 : {LAYER_INSTRUCTION}\n",
        "Step 6/6 : CMD y\n",
    ]
    shown = [line for line in map(numbering.renumber, stream) if line is not None]
    assert shown == [
        "Step 1/4 : FROM a AS b\n",
        "Step 2/4 : RUN x\n",
        " ---> Using cache\n",
        "Step 3/4 : FROM c\n",
        "Step 4/4 : CMD y\n",
    ]


@pytest.mark.parametrize(("selected", "passed"), [(0, 0), (5, 0), (5, 4)])
def test_a_pass_with_checks_that_did_not_run_is_not_exit_0(selected: int, passed: int):
    outcome = Outcome()
    outcome.selected, outcome.passed = selected, passed
    with pytest.raises(CannotRun, match=f"only {passed} of {selected} selected checks"):
        exit_code(pytest.ExitCode.OK, outcome)
    outcome.passed = selected
    if selected:
        assert exit_code(pytest.ExitCode.OK, outcome) == 0


class _Options:
    """What ``pytest_addoption`` needs of pytest's parser, as plain argparse."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser()

    def getgroup(self, *names: str) -> "_Options":
        return self

    def addoption(self, *flags: str, **keywords: Any) -> None:
        self.parser.add_argument(*flags, **keywords)


@pytest.mark.parametrize(
    ("given", "plugin_options"),
    [
        ([], ""),
        (
            ["--keep", "--timeout", "30", "--no-cache", "--json", "run.json", "--reach", "helper"],
            "--dlint-keep --dlint-timeout=30 --dlint-no-cache --dlint-json=run.json "
            "--dlint-reach=helper",
        ),
        (
            ["--builder", "fleet", "--classic-builder", "--html", "r.html", "--markdown", "r.md"],
            "--dlint-builder=fleet --dlint-classic-builder --dlint-html=r.html "
            "--dlint-markdown=r.md",
        ),
    ],
)
def test_dlint_test_and_the_pytest_plugin_read_the_same_settings(
    given: list[str], plugin_options: str
):
    """One table declares both: ``--keep`` is ``--dlint-keep``, and so on."""
    from dlint import harness

    dlint_test = argparse.ArgumentParser()
    harness.add_arguments(dlint_test)
    pytest_options = _Options()
    plugin.pytest_addoption(pytest_options)  # type: ignore[arg-type]
    read = pytest_options.parser.parse_args(plugin_options.split())
    from_pytest = options.settings(lambda option: getattr(read, option.plugin_dest))
    assert from_pytest == options.from_arguments(dlint_test.parse_args(given))
    assert list(options.Settings._fields) == [o.dest for o in options.settings_options()]


def test_dlint_test_hands_pytest_only_pytests_own_options():
    from dlint import harness

    dlint_test = argparse.ArgumentParser()
    harness.add_arguments(dlint_test)
    args = dlint_test.parse_args(["-k", "http", "-x", "-q", "--junit-xml", "j.xml", "--keep"])
    assert options.pytest_arguments(args) == ["--junit-xml", "j.xml", "-k", "http", "-x", "-q"]
