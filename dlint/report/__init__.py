"""Output formats: one module per format, each a function of the findings.

A format module defines ``render(findings, run) -> str``. Modules are imported only
when their format is asked for, so adding a format never slows the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dlint.records import dataclass

if TYPE_CHECKING:  # `dlint --help` lists the formats without loading the rule machinery
    from dlint.finding import Finding
    from dlint.rule import Rule

FORMATS = {
    "text": "dlint.report.text",
    "json": "dlint.report.json",
    "sarif": "dlint.report.sarif",
    "github": "dlint.report.github",
    "junit": "dlint.report.junit",
    "checkstyle": "dlint.report.checkstyle",
    "gitlab": "dlint.report.gitlab",
}


@dataclass(frozen=True)
class RunInfo:
    """What a format may need besides the findings: checked files and the rules that ran.

    The rest is for the text format, decided by the check run: ``read`` gives a file's
    current text for the code frames (None: no frames), ``color`` whether to write ANSI
    colours, ``quiet`` whether to leave out the summary, ``unsafe_fixes`` whether unsafe
    fixes count as fixable.
    """

    files: tuple[str, ...]
    rules: tuple[Rule, ...]
    read: Callable[[str], str] | None = None
    color: bool = False
    quiet: bool = False
    unsafe_fixes: bool = False


def render(name: str, findings: Sequence[Finding], run: RunInfo) -> str:
    """Render findings in the format called ``name``."""
    module = importlib.import_module(FORMATS[name])
    return module.render(list(findings), run)
