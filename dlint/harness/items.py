"""The checks a spec declares, as (name, function) pairs that pytest runs as items.

Each function asks for the session fixtures it needs by parameter name.
"""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from dlint.harness import contract, gpu, image_report, inside, runtime
from dlint.harness.lab import Lab
from dlint.harness.plugin import Service
from dlint.harness.spec import HttpCase, Spec
from dlint.harness.spec import Runtime as RuntimeSection
from dlint.harness.verdict import CheckFailed

if TYPE_CHECKING:
    from dlint.harness.reach import Endpoint

Check = tuple[str, Callable[..., None]]


def _ready(service: Service) -> "Endpoint":
    if service.problem is not None or service.endpoint is None:
        pytest.skip("the service is not ready (see the readiness check)")
    return service.endpoint


def _inside(name: str, check: Callable[..., None], *args: Any) -> Check:
    def run(dlint_service: Service) -> None:
        _ready(dlint_service)
        check(inside.host_for(dlint_service.container.id), *args)

    return name, run


def readiness_checks() -> Iterator[Check]:
    """The service becomes ready (HEALTHCHECK healthy or readiness probe answers)."""

    def run(dlint_service: Service) -> None:
        if dlint_service.problem is not None:
            raise CheckFailed(dlint_service.problem)

    yield "readiness", run


def _package_checks(spec: Spec) -> Iterator[Check]:
    assert spec.inside.packages_lock is not None
    pins = inside.read_lock(spec.context / spec.inside.packages_lock)
    found: dict[str, dict[str, str]] = {}

    def installed(service: Service) -> dict[str, str]:
        _ready(service)
        if "packages" not in found:
            found["packages"] = inside.installed_packages(inside.host_for(service.container.id))
        return found["packages"]

    for name, version in sorted(pins.items()):

        def run(dlint_service: Service, name: str = name, version: str = version) -> None:
            inside.check_package(installed(dlint_service), name, version)

        yield f"inside-package[{name}]", run

    def only_locked(dlint_service: Service) -> None:
        inside.check_only_locked(installed(dlint_service), pins)

    yield "inside-packages-only-locked", only_locked


def inside_checks(spec: Spec) -> Iterator[Check]:
    """User, PID 1, files, commands, packages and environment inside the container."""
    expect = spec.inside
    if expect.user is not None:
        user = expect.user
        yield _inside("inside-user", inside.check_user, user.uid, user.gid)
    if expect.pid1 is not None:
        yield _inside("inside-pid1", inside.check_pid1, expect.pid1)
    for path in expect.files_present:
        yield _inside(f"inside-present[{path}]", inside.check_present, path)
    for pattern in expect.files_absent:
        yield _inside(f"inside-absent[{pattern}]", inside.check_absent, pattern)
    for command in expect.commands_absent:
        yield _inside(f"inside-no-command[{command}]", inside.check_command_absent, command)
    if expect.packages_lock is not None:
        yield from _package_checks(spec)
    for name, value in expect.env.items():
        yield _inside(f"inside-env[{name}]", inside.check_env, name, value)


def http_checks(spec: Spec) -> Iterator[Check]:
    """One item per request/expectation pair of the HTTP contract."""
    for case in spec.http:

        def run(dlint_service: Service, case: HttpCase = case) -> None:
            contract.check(_ready(dlint_service), case)

        yield f"http[{case.name}]", run


def runtime_checks(spec: Spec) -> Iterator[Check]:
    """Cached rebuild after a code edit, graceful stop, arbitrary uid, then the proofs on
    the main service."""
    settings = spec.runtime
    if settings.cached_rebuild is not None:
        rebuild = settings.cached_rebuild

        def cached_rebuild(dlint_image: Lab) -> None:
            dlint_image.rebuild = runtime.rebuild_after_edit(dlint_image, rebuild)
            runtime.check_cached_rebuild(dlint_image.rebuild, rebuild)

        yield "runtime-cached-rebuild", cached_rebuild
    if settings.graceful_stop is not None:
        stop = settings.graceful_stop

        def graceful_stop(dlint_image: Lab, dlint_service: Service) -> None:
            _ready(dlint_service)
            runtime.check_graceful_stop(dlint_image, stop)

        yield "runtime-graceful-stop", graceful_stop
    if settings.arbitrary_uid is not None:
        uid = settings.arbitrary_uid

        def arbitrary_uid(dlint_image: Lab, dlint_service: Service) -> None:
            _ready(dlint_service)
            runtime.check_arbitrary_uid(dlint_image, uid)

        yield "runtime-arbitrary-uid", arbitrary_uid
    yield from _service_runtime_checks(settings)


def _service_runtime_checks(settings: RuntimeSection) -> Iterator[Check]:
    """Runtime proofs on the main service container: idle connections, a clean log."""
    if settings.idle_connections is not None:
        idle = settings.idle_connections

        def idle_connections(dlint_service: Service) -> None:
            runtime.check_idle_connections(_ready(dlint_service), idle)

        yield "runtime-idle-connections", idle_connections
    if settings.clean_log is not None:
        forbid = settings.clean_log

        def clean_log(dlint_service: Service) -> None:
            _ready(dlint_service)
            runtime.check_clean_log(dlint_service.container, forbid)

        yield "runtime-clean-log", clean_log


def checks(spec: Spec) -> list[Check]:
    """Every check of the spec, in run order."""
    return [
        *readiness_checks(),
        *image_report.image_checks(spec),
        *inside_checks(spec),
        *gpu.gpu_checks(spec),
        *http_checks(spec),
        *runtime_checks(spec),
    ]


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


def summary_lines(lab: Lab, stats: dict[str, list[Any]]) -> list[str]:
    """Human summary: build times, cache use, image size and check counts."""
    lines = []
    if lab.image is not None and lab.spec.image is not None:
        lines.append(
            f"image {lab.image.tag} {_megabytes(lab.image.size_bytes)} (named by the spec, "
            "not built)"
        )
    elif lab.image is not None:
        cached = len(lab.image.cached_steps)
        lines.append(
            f"cold build: {lab.image.seconds:.1f} s ({cached}/{len(lab.image.steps)} steps "
            f"from cache{', --no-cache' if lab.nocache else ''}, {lab.image.builder}); "
            f"image {lab.image.tag} {_megabytes(lab.image.size_bytes)}"
        )
    if lab.rebuild is not None:
        cached_numbers = ", ".join(str(step.number) for step in lab.rebuild.cached_steps)
        lines.append(
            f"warm rebuild after code edit: {lab.rebuild.seconds:.1f} s "
            f"({len(lab.rebuild.cached_steps)}/{len(lab.rebuild.steps)} steps from cache: "
            f"{cached_numbers})"
        )
    report = image_report.cached(lab.image.image_id) if lab.image is not None else None
    if report is not None:
        lines.extend(report.summary_lines())
    for name, seconds in lab.ready_seconds.items():
        lines.append(f"ready after {seconds:.1f} s: {name}")
    counts = {outcome: len(stats.get(outcome, [])) for outcome in ("passed", "failed", "skipped")}
    counts["error"] = len(stats.get("error", []))
    total = sum(counts.values())
    lines.append(f"{total} checks: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))
    return lines
