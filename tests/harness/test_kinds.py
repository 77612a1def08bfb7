"""The check-kind registry: every kind documented and turned on by a real spec key, and a
spec that asks for everything gets one item per element, in run order."""

import inspect
import re
from pathlib import Path

import pytest
import yaml

from dlint.harness import items, spec
from dlint.harness.kinds import NEEDS, KindError, all_kinds, kind

EXCHANGE = {"request": {"path": "/"}, "expect": {"status": 200}}
EVERYTHING = {
    "version": 1,
    "service": {"port": 80, "gpus": "all"},
    "image_report": {
        "max_size": "1GB",
        "max_wasted_bytes": 5,
        "min_efficiency": 0.5,
        "forbid_paths": ["*/.git", "/x"],
    },
    "inside": {
        "user": {},
        "pid1": "x",
        "files_present": ["/a"],
        "files_absent": ["/b*"],
        "commands_absent": ["gcc"],
        "packages_lock": "requirements.lock",
        "env": {"A": "1", "B": "2"},
    },
    "http": [{"name": "h", **EXCHANGE}],
    "runtime": {
        "cached_rebuild": {"edit": "app.py", "expect_cached": ["x"]},
        "graceful_stop": {"exchange": EXCHANGE},
        "arbitrary_uid": {"user": "1", "exchange": EXCHANGE},
        "idle_connections": {"connections": 1, "exchange": EXCHANGE},
        "clean_log": {"forbid": ["x"]},
    },
}


def _key_exists(dotted: str) -> bool:
    record: object = spec.Spec
    for part in dotted.split("."):
        hints = {f.name: hint for f, hint in spec.keys(record)}  # type: ignore[arg-type]
        if part not in hints:
            return False
        record = spec.optional(hints[part])
    return True


def test_every_kind_is_documented_and_turned_on_by_a_key_of_the_spec():
    kinds = all_kinds()
    assert len({k.name for k in kinds}) == len(kinds)
    for check_kind in kinds:
        assert check_kind.doc, check_kind.name
        assert check_kind.section is None or _key_exists(check_kind.section), check_kind.name
        assert set(check_kind.needs) <= set(NEEDS), check_kind.name


def test_a_kind_registered_twice_is_an_error():
    with pytest.raises(KindError, match="readiness is registered twice"):
        kind("readiness")(lambda: None)
    with pytest.raises(KindError, match="no fixture provides engine"):
        kind("new-kind", needs=("engine",))


def test_a_spec_asking_for_everything_has_each_item_in_run_order(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.py").write_text("\n")
    (tmp_path / "requirements.lock").write_text("a==1\nB_c==2\n")
    (tmp_path / "dlint-test.yaml").write_text(yaml.safe_dump(EVERYTHING))
    checks = items.checks(spec.load_spec(tmp_path / "dlint-test.yaml", tmp_path))
    assert [name for name, _ in checks] == [
        "readiness",
        "image-report",
        "image-size",
        "image-wasted-bytes",
        "image-efficiency",
        "image-forbidden[*/.git]",
        "image-forbidden[/x]",
        "inside-user",
        "inside-pid1",
        "inside-present[/a]",
        "inside-absent[/b*]",
        "inside-no-command[gcc]",
        "inside-package[a]",
        "inside-package[b-c]",
        "inside-packages-only-locked",
        "inside-env[A]",
        "inside-env[B]",
        "gpu-visible",
        "http[h]",
        "runtime-cached-rebuild",
        "runtime-graceful-stop",
        "runtime-arbitrary-uid",
        "runtime-idle-connections",
        "runtime-clean-log",
    ]
    fixtures = {name: list(inspect.signature(run).parameters) for name, run in checks}
    assert fixtures["readiness"] == ["dlint_service"]
    assert fixtures["image-size"] == ["dlint_image"]
    assert fixtures["runtime-graceful-stop"] == ["dlint_image", "dlint_service"]


def test_a_check_that_needs_the_service_ready_is_skipped_when_it_is_not():
    from dlint.harness.lab import NOT_READY, Service

    http = next(k for k in all_kinds() if k.name == "http")
    run = items.item_function(http, ("case",))
    with pytest.raises(pytest.skip.Exception, match=re.escape(NOT_READY)):
        run(dlint_service=Service(None, None, "never became ready"))
