"""Reports of a ``dlint test`` run that people read: JSON, Markdown and one HTML page.

A ``Recorder`` (a pytest plugin object, registered by ``plugin.py`` when a report is
asked for or ``$GITHUB_STEP_SUMMARY`` is set) keeps each check's outcome, time and
message. When the session ends it adds the build figures, the image report and the lint
findings of the same Dockerfile, each finding next to the runtime checks that prove or
disprove it (``pid1-signals`` next to ``runtime-graceful-stop``), and writes the files.
The HTML page is self-contained: inline CSS and SVG, a few lines of inline script, no
network.
"""

import html
import io
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dlint.harness.image_report import ImageReport, human, short

if TYPE_CHECKING:
    from dlint.harness.lab import Lab
    from dlint.harness.spec import Spec

# Which runtime checks prove or disprove a lint rule's claim. A check matches a prefix
# when its name is the prefix, or starts with it and a "[" (or the prefix has its own
# "["). ``image-bloat[KIND]`` is the image report: failed when it found that bloat.
PROOFS: dict[str, tuple[str, ...]] = {
    "root-user": ("inside-user", "runtime-arbitrary-uid"),
    "user-not-numeric": ("inside-user",),
    "pid1-signals": ("runtime-graceful-stop", "inside-pid1"),
    "shell-form-cmd": ("inside-pid1", "runtime-graceful-stop"),
    "gunicorn-settings": ("runtime-graceful-stop",),
    "dev-server": ("inside-pid1",),
    "missing-healthcheck": ("readiness",),
    "healthcheck-tool-missing": ("readiness",),
    "bind-localhost": ("readiness",),
    "port-mismatch": ("readiness",),
    "requirements-unpinned": ("inside-package", "inside-packages-only-locked"),
    "requirements-not-locked": ("inside-package", "inside-packages-only-locked"),
    "pip-unpinned": ("inside-package", "inside-packages-only-locked"),
    "build-tools-in-final-stage": ("inside-no-command", "image-bloat[compilers-and-headers]"),
    "pip-cache-kept": ("inside-absent[/root/.cache", "image-bloat[package-caches]"),
    "apt-lists-kept": ("image-bloat[package-caches]",),
    "apk-cache-kept": ("image-bloat[package-caches]",),
    "copy-before-install": ("runtime-cached-rebuild",),
    "dockerignore-missing": ("image-forbidden", "image-bloat[git]", "image-bloat[notebooks]"),
    "dockerignore-incomplete": ("image-forbidden", "image-bloat[git]", "image-bloat[notebooks]"),
    "secret-in-image": ("inside-absent", "image-forbidden"),
    "full-base-image": ("image-size",),
    "model-in-context": ("image-bloat[model-files]",),
    "cuda-devel-final": ("image-size", "image-bloat[compilers-and-headers]"),
    "python-env-unset": ("inside-env",),
    "code-writable-by-runtime-user": ("runtime-arbitrary-uid",),
}


@dataclass(frozen=True)
class CheckRecord:
    """One check: its name, outcome (passed, failed, skipped, error), seconds, message."""

    name: str
    outcome: str
    seconds: float
    message: str = ""


@dataclass(frozen=True)
class Proof:
    """A lint finding and the runtime checks that bear on it."""

    rule: str
    line: int
    message: str
    checks: tuple[CheckRecord, ...]

    @property
    def verdict(self) -> str:
        """``confirmed`` (a related check failed), ``not confirmed`` or ``not tested``."""
        ran = [c for c in self.checks if c.outcome in ("passed", "failed", "error")]
        if any(c.outcome in ("failed", "error") for c in ran):
            return "confirmed"
        return "not confirmed" if ran else "not tested"


@dataclass
class RunRecord:
    """Everything the reports say about one run."""

    spec: str
    context: str
    run_id: str
    dockerfile: str
    seconds: float = 0.0
    checks: list[CheckRecord] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    image_report: ImageReport | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    lint_error: str = ""

    def counts(self) -> dict[str, int]:
        """How many checks ended in each outcome."""
        found: dict[str, int] = {}
        for check in self.checks:
            found[check.outcome] = found.get(check.outcome, 0) + 1
        return found

    @property
    def passed(self) -> bool:
        """True when every check ran and passed."""
        return bool(self.checks) and all(c.outcome == "passed" for c in self.checks)

    def proofs(self) -> list[Proof]:
        """Each lint finding next to the checks that prove or disprove it."""
        found = []
        pool = self.checks + bloat_checks(self.image_report)
        for finding in self.findings:
            prefixes = PROOFS.get(finding["name"], ())
            related = tuple(c for c in pool if _matches(c.name, prefixes))
            found.append(Proof(finding["name"], finding["line"], finding["message"], related))
        return found

    def unexplained(self) -> list[CheckRecord]:
        """Failed checks that no lint finding predicted."""
        predicted = {c.name for proof in self.proofs() for c in proof.checks}
        return [
            c for c in self.checks if c.outcome in ("failed", "error") and c.name not in predicted
        ]

    def to_json(self) -> dict[str, Any]:
        """The whole record as plain JSON data."""
        return {
            "spec": self.spec,
            "context": self.context,
            "run_id": self.run_id,
            "dockerfile": self.dockerfile,
            "passed": self.passed,
            "seconds": round(self.seconds, 2),
            "counts": self.counts(),
            "build": self.build,
            "checks": [asdict(c) for c in self.checks],
            "image_report": self.image_report.to_json() if self.image_report else None,
            "findings": self.findings,
            "lint_error": self.lint_error or None,
            "proofs": [
                {
                    "rule": p.rule,
                    "line": p.line,
                    "message": p.message,
                    "verdict": p.verdict,
                    "checks": [{"name": c.name, "outcome": c.outcome} for c in p.checks],
                }
                for p in self.proofs()
            ],
        }


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(
        name == p or name.startswith(p + "[") or ("[" in p and name.startswith(p)) for p in prefixes
    )


def bloat_checks(report: ImageReport | None) -> list[CheckRecord]:
    """The image report as one verdict per bloat kind: failed where it found that bloat."""
    from dlint.harness.image_report import BLOAT_KINDS

    if report is None:
        return []
    found = {b.kind: b for b in report.bloat}
    records = []
    for kind in [k.kind for k in BLOAT_KINDS] + ["duplicates"]:
        bloat = found.get(kind)
        message = f"{bloat.files} files, {human(bloat.size)}" if bloat else ""
        records.append(
            CheckRecord(f"image-bloat[{kind}]", "failed" if bloat else "passed", 0.0, message)
        )
    return records


def lint_findings(spec: "Spec") -> tuple[list[dict[str, Any]], str]:
    """``dlint check`` of the spec's Dockerfile in its context: findings and any error."""
    from dlint.checkrun import CheckOptions, run_check

    out, err = io.StringIO(), io.StringIO()
    options = CheckOptions(
        paths=[str(spec.context / spec.dockerfile)], context=str(spec.context), format="json"
    )
    code = run_check(options, out, err)
    if code == 2 or not out.getvalue().strip():
        return [], err.getvalue().strip() or f"dlint check exited {code}"
    return json.loads(out.getvalue()), ""


def build_figures(lab: "Lab") -> dict[str, Any]:
    """Build times, cache use, image size and readiness times of the run."""
    figures: dict[str, Any] = {}
    if lab.image is not None:
        figures["cold"] = {
            "seconds": round(lab.image.seconds, 2),
            "steps": len(lab.image.steps),
            "cached": len(lab.image.cached_steps),
            "no_cache": lab.settings.no_cache,
            "size": lab.image.size_bytes,
            "tag": lab.image.tag,
        }
    if lab.rebuild is not None:
        figures["warm"] = {
            "seconds": round(lab.rebuild.seconds, 2),
            "steps": len(lab.rebuild.steps),
            "cached": len(lab.rebuild.cached_steps),
        }
    figures["ready_seconds"] = {k: round(v, 2) for k, v in lab.ready_seconds.items()}
    return figures


class Recorder:
    """Collects the checks of a run and writes the reports when the session ends."""

    def __init__(
        self,
        config: pytest.Config,
        json_path: str | None,
        markdown_path: str | None,
        html_path: str | None,
    ) -> None:
        """Write the reports named (any may be None); ``$GITHUB_STEP_SUMMARY`` too."""
        self.config = config
        self.paths = {"json": json_path, "markdown": markdown_path, "html": html_path}
        self.started = time.monotonic()
        self.checks: dict[str, CheckRecord] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the outcome of each check (a setup or teardown error counts as error)."""
        name = report.nodeid.split("::", 1)[-1]
        if report.when == "call" or report.outcome != "passed":
            previous = self.checks.get(name)
            seconds = report.duration + (previous.seconds if previous else 0.0)
            outcome: str = report.outcome
            if report.when != "call" and report.failed:
                outcome = "error"
            self.checks[name] = CheckRecord(name, outcome, seconds, _message(report))

    def record(self) -> RunRecord:
        """The run so far, with the lab's figures and the lint findings."""
        from dlint.harness import image_report, plugin

        lab = self.config.stash[plugin.LAB_KEY]
        spec = lab.spec
        findings, lint_error = lint_findings(spec)
        run = RunRecord(
            spec=str(spec.path),
            context=str(spec.context),
            run_id=lab.run_id,
            dockerfile=spec.dockerfile,
            seconds=time.monotonic() - self.started,
            checks=list(self.checks.values()),
            findings=findings,
            lint_error=lint_error,
        )
        if lab.opened:
            run.build = build_figures(lab)
            if lab.image is not None:
                run.image_report = image_report.cached(lab.image.image_id)
        return run

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write every report asked for; a report that cannot be written is one line."""
        run = self.record()
        writers = {"json": to_json_text, "markdown": to_markdown, "html": to_html}
        targets = [(kind, path) for kind, path in self.paths.items() if path]
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        for kind, path in targets:
            _write(Path(path), writers[kind](run), append=False)
        if summary:
            _write(Path(summary), to_markdown(run), append=True)


def _write(path: Path, text: str, append: bool) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a" if append else "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        print(f"dlint: error: {path}: cannot write the report: {error.strerror or error}")


def _message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.longrepr is None:
        return ""
    return str(getattr(report, "longreprtext", "") or report.longrepr)[:4000]


def to_json_text(run: RunRecord) -> str:
    """The ``--json`` report."""
    return json.dumps(run.to_json(), indent=2) + "\n"


# --- Markdown ------------------------------------------------------------------------

ICONS = {"passed": "✅", "failed": "❌", "error": "❌", "skipped": "⏭️"}
VERDICT_ICONS = {"confirmed": "❌ confirmed", "not confirmed": "✅ not seen", "not tested": "—"}


def _cell(text: str, width: int = 160) -> str:
    return short(text, width).replace("|", "\\|")


def _headline(run: RunRecord) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in sorted(run.counts().items()))
    verdict = "passed" if run.passed else "did not pass"
    return f"{len(run.checks)} checks {verdict} ({counts}) in {run.seconds:.0f} s"


def _build_lines(run: RunRecord) -> list[str]:
    lines = []
    cold = run.build.get("cold")
    if cold:
        lines.append(
            f"- build: {cold['seconds']:.1f} s, {cold['cached']}/{cold['steps']} steps from "
            f"cache; image {human(cold['size'])}"
        )
    warm = run.build.get("warm")
    if warm:
        lines.append(
            f"- rebuild after a code edit: {warm['seconds']:.1f} s, "
            f"{warm['cached']}/{warm['steps']} steps from cache"
        )
    for name, seconds in run.build.get("ready_seconds", {}).items():
        lines.append(f"- `{name}` ready after {seconds:.1f} s")
    return lines


def _image_markdown(report: ImageReport) -> list[str]:
    lines = [
        "",
        "### Image",
        "",
        f"{human(report.total_size)} in {len(report.layers)} layers; wasted "
        f"{human(report.wasted_bytes)} (efficiency {report.efficiency:.1%})",
        "",
        "| layer | size | instruction |",
        "|---:|---:|---|",
    ]
    for layer in report.layers:
        lines.append(f"| {layer.index} | {human(layer.size)} | `{_cell(layer.instruction, 100)}` |")
    if report.bloat:
        lines += ["", "| bloat | files | size | why |", "|---|---:|---:|---|"]
        for bloat in report.bloat:
            lines.append(
                f"| {bloat.title} | {bloat.files} | {human(bloat.size)} | {_cell(bloat.why)} |"
            )
    return lines


def to_markdown(run: RunRecord) -> str:
    """The Markdown summary (GitHub's job summary renders it)."""
    icon = "✅" if run.passed else "❌"
    lines = [f"## {icon} dlint test `{run.context}`", "", _headline(run), "", *_build_lines(run)]
    failed = [c for c in run.checks if c.outcome != "passed"]
    if failed:
        lines += ["", "| check | outcome | why |", "|---|---|---|"]
        for check in failed:
            first = check.message.strip().splitlines()[0] if check.message.strip() else ""
            lines.append(
                f"| `{check.name}` | {ICONS[check.outcome]} {check.outcome} | {_cell(first)} |"
            )
    proofs = run.proofs()
    if proofs:
        lines += [
            "",
            "### Lint findings and the checks that prove them",
            "",
            "| rule | line | runtime | checks |",
            "|---|---:|---|---|",
        ]
        for proof in proofs:
            checks = ", ".join(f"{ICONS[c.outcome]} `{c.name}`" for c in proof.checks) or "—"
            lines.append(
                f"| `{proof.rule}` | {proof.line} | {VERDICT_ICONS[proof.verdict]} | {checks} |"
            )
    if run.image_report is not None:
        lines += _image_markdown(run.image_report)
    return "\n".join(lines) + "\n"


# --- HTML ----------------------------------------------------------------------------

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#1b1f24;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;white-space:nowrap}
code,pre{font-family:ui-monospace,monospace;font-size:.92em}
pre{white-space:pre-wrap;margin:0;max-height:14em;overflow:auto}
.passed{color:#1a7f37}.failed,.error,.confirmed{color:#cf222e}.skipped,.not-tested{color:#9a6700}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;color:#fff;font-weight:600}
.badge.ok{background:#1a7f37}.badge.bad{background:#cf222e}
button{margin-right:.5em}svg text{font:12px system-ui,sans-serif}
"""

SCRIPT = """
(function () {
  var rows = document.querySelectorAll('#checks tbody tr');
  function show(which) {
    rows.forEach(function (row) {
      row.hidden = which !== 'all' && row.dataset.outcome === 'passed';
    });
    document.body.dataset.filter = which;
  }
  document.querySelectorAll('button[data-show]').forEach(function (button) {
    button.addEventListener('click', function () { show(button.dataset.show); });
  });
  show(document.querySelector('#checks .failed') ? 'problems' : 'all');
  document.body.dataset.checks = String(rows.length);
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def layer_chart(report: ImageReport, width: int = 900) -> str:
    """An inline SVG bar chart of the layer sizes, each bar labelled with its instruction."""
    bar_height, gap, label = 18, 6, 360
    largest = max((layer.size for layer in report.layers), default=0) or 1
    height = len(report.layers) * (bar_height + gap) + gap
    parts = [
        f'<svg id="layer-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="layer sizes">'
    ]
    for row, layer in enumerate(report.layers):
        y = gap + row * (bar_height + gap)
        bar = max(1, round((width - label - 90) * layer.size / largest))
        parts.append(
            f'<text x="0" y="{y + 13}">{_e(short(f"{layer.index}: {layer.instruction}", 55))}'
            f"</text>"
            f'<rect class="layer" x="{label}" y="{y}" width="{bar}" height="{bar_height}" '
            f'fill="#0969da"><title>{_e(layer.instruction)}</title></rect>'
            f'<text x="{label + bar + 6}" y="{y + 13}">{_e(human(layer.size))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(
    headers: list[str],
    rows: list[list[str]],
    table_id: str = "",
    attributes: list[str] | None = None,
) -> str:
    """A table of ``rows`` (lists of ``<td>`` cells); ``attributes`` go on each ``<tr>``."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    extra = attributes or [""] * len(rows)
    body = "".join(f"<tr{a}>{''.join(r)}</tr>" for a, r in zip(extra, rows, strict=True))
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _checks_html(run: RunRecord) -> str:
    rows = []
    for check in run.checks:
        message = f"<pre>{_e(check.message.strip())}</pre>" if check.message.strip() else ""
        rows.append(
            [
                f"<td><code>{_e(check.name)}</code></td>",
                f'<td class="{_e(check.outcome)}">{_e(check.outcome)}</td>',
                f'<td class="n">{check.seconds:.2f} s</td>',
                f"<td>{message}</td>",
            ]
        )
    outcomes = [f' data-outcome="{_e(check.outcome)}"' for check in run.checks]
    buttons = (
        '<p><button data-show="problems">only problems</button>'
        '<button data-show="all">all checks</button></p>'
    )
    return buttons + _table(["check", "outcome", "time", "message"], rows, "checks", outcomes)


def _proofs_html(run: RunRecord) -> str:
    if run.lint_error:
        return f"<p>dlint check could not run: {_e(run.lint_error)}</p>"
    proofs = run.proofs()
    if not proofs:
        return f"<p>dlint check found nothing in <code>{_e(run.dockerfile)}</code>.</p>"
    rows = []
    for proof in proofs:
        checks = (
            "<br>".join(
                f'<code>{_e(c.name)}</code> <span class="{_e(c.outcome)}">{_e(c.outcome)}</span>'
                for c in proof.checks
            )
            or "no runtime check in this spec"
        )
        rows.append(
            [
                f"<td><code>{_e(proof.rule)}</code></td>",
                f'<td class="n">{proof.line}</td>',
                f"<td>{_e(proof.message)}</td>",
                f'<td class="{_e(proof.verdict.replace(" ", "-"))}">{_e(proof.verdict)}</td>',
                f"<td>{checks}</td>",
            ]
        )
    table = _table(["rule", "line", "finding", "at run time", "checks"], rows, "proofs")
    extra = run.unexplained()
    if extra:
        names = ", ".join(f"<code>{_e(c.name)}</code>" for c in extra)
        table += f"<p>Failed at run time with no lint finding predicting it: {names}</p>"
    return table


def _image_html(report: ImageReport) -> str:
    layers = [
        [
            f'<td class="n">{x.index}</td>',
            f'<td class="n">{_e(human(x.size))}</td>',
            f'<td class="n">{x.files}</td>',
            f"<td><code>{_e(short(x.instruction, 200))}</code></td>",
        ]
        for x in report.layers
    ]
    files = [
        [
            f"<td><code>{_e(f.path)}</code></td>",
            f'<td class="n">{_e(human(f.size))}</td>',
            f'<td class="n">{f.layer}</td>',
        ]
        for f in report.largest_files
    ]
    folders = [
        [f"<td><code>{_e(f.path)}</code></td>", f'<td class="n">{_e(human(f.size))}</td>']
        for f in report.largest_folders
    ]
    wasted = [
        [
            f"<td><code>{_e(w.path)}</code></td>",
            f'<td class="n">{_e(human(w.size))}</td>',
            f"<td>layer {w.layer}, {_e(w.how)} in layer {w.by_layer}</td>",
        ]
        for w in report.wasted[:10]
    ]
    bloat = [
        [
            f"<td>{_e(b.title)}</td>",
            f'<td class="n">{b.files}</td>',
            f'<td class="n">{_e(human(b.size))}</td>',
            f"<td>{_e(b.why)}</td>",
            "<td>" + "<br>".join(f"<code>{_e(x.path)}</code>" for x in b.examples) + "</td>",
        ]
        for b in report.bloat
    ]
    parts = [
        f"<p>{_e(human(report.total_size))} in {len(report.layers)} layers, "
        f"{report.final_files} files; wasted {_e(human(report.wasted_bytes))} "
        f"(efficiency {report.efficiency:.1%})</p>",
        layer_chart(report),
        _table(["layer", "size", "files", "instruction"], layers, "layers"),
        "<h3>ML bloat</h3>",
        _table(["what", "files", "size", "why", "largest"], bloat, "bloat")
        if bloat
        else "<p>None found.</p>",
        "<h3>Largest files</h3>",
        _table(["path", "size", "layer"], files),
        "<h3>Largest folders</h3>",
        _table(["path", "size"], folders),
    ]
    if wasted:
        parts += [
            "<h3>Wasted (overwritten or deleted later)</h3>",
            _table(["path", "size", "where"], wasted),
        ]
    return "".join(parts)


def to_html(run: RunRecord) -> str:
    """The self-contained HTML report."""
    badge = (
        '<span class="badge ok">passed</span>'
        if run.passed
        else ('<span class="badge bad">did not pass</span>')
    )
    build = "".join(f"<li>{_e(line[2:]).replace('`', '')}</li>" for line in _build_lines(run))
    sections = [
        f"<h1>dlint test <code>{_e(run.context)}</code> {badge}</h1>",
        f"<p>{_e(_headline(run))}; run <code>{_e(run.run_id)}</code>, spec "
        f"<code>{_e(run.spec)}</code></p>",
        f"<ul>{build}</ul>",
        "<h2>Checks</h2>",
        _checks_html(run),
        f"<h2>Lint findings of <code>{_e(run.dockerfile)}</code> and the checks that prove "
        "them</h2>",
        _proofs_html(run),
    ]
    if run.image_report is not None:
        sections += ["<h2>Image</h2>", _image_html(run.image_report)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>dlint test {_e(Path(run.context).name)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>{''.join(sections)}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
