"""The checks a spec declares, as (name, function) pairs that pytest runs as items.

Each kind of check (``dlint.harness.kinds``) the spec turns on becomes its items here;
an item's function asks pytest for the session fixtures its kind needs, by name.
"""

import inspect
from collections.abc import Callable
from typing import Any

from dlint.harness import image_report
from dlint.harness.kinds import NEEDS, CheckKind, all_kinds
from dlint.harness.lab import Lab, Service
from dlint.harness.spec import Spec

Check = tuple[str, Callable[..., None]]


def _given(need: str, fixture: Any) -> Any:
    """What a check that needs ``need`` is called with, from its fixture's value."""
    if need == "ready":
        assert isinstance(fixture, Service)
        return fixture.ready()  # skips the check when the service is not ready
    return fixture


def item_function(check_kind: CheckKind, arguments: tuple[Any, ...]) -> Callable[..., None]:
    """The function of one item: pytest passes it the fixtures the kind needs."""
    fixtures = list(dict.fromkeys(NEEDS[need] for need in check_kind.needs))

    def run(**given: Any) -> None:
        needed = (_given(need, given[NEEDS[need]]) for need in check_kind.needs)
        check_kind.check(*arguments, *needed)

    parameters = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in fixtures]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return run


def checks(spec: Spec) -> list[Check]:
    """Every check of the spec, in run order."""
    return [
        (name, item_function(check_kind, arguments))
        for check_kind in all_kinds()
        for name, arguments in check_kind.items(spec)
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
            f"from cache{', --no-cache' if lab.settings.no_cache else ''}, {lab.image.builder}); "
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
