"""``dlint lsp``: a language server over stdio, for editors.

It checks Dockerfiles as they are edited (debounced), publishes the findings as
diagnostics (also in the requirements files a Dockerfile installs), offers every fix as a
code action (safe and unsafe, labelled; "fix all" applies the safe ones) and shows a rule's
documentation on hover. The check is the one ``dlint check`` runs, in-process: the same
configuration files, the same rules, the buffer's text instead of the file on disk.

pygls is an optional dependency (``pip install 'dlint[lsp]'``); the CLI says so in one
line when it is missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from dlint import __version__
from dlint.checkrun import CheckOptions, config_resolver
from dlint.config import ConfigError, discover_config
from dlint.engine import RuleCrash, Target, check_build, targets_for
from dlint.finding import Edit, Finding, Fix, Severity, Span
from dlint.load import InputError, display, is_dependency_name, is_dockerfile_name, load_build
from dlint.parse import DockerfileSyntaxError, parse_dockerfile
from dlint.rule import RulePackError, find_rule

SOURCE = "dlint"
# Long enough that a burst of keystrokes is checked once, short enough to feel immediate.
DEBOUNCE_SECONDS = 0.3
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.STYLE: types.DiagnosticSeverity.Hint,
}
RULE_SETTINGS = ("select", "extend_select", "ignore")
TEXT_SETTINGS = ("config", "context", *RULE_SETTINGS)
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
log = logging.getLogger("dlint.lsp")


@dataclass(frozen=True)
class Trouble:
    """Why a Dockerfile has no findings: a syntax error, a bad configuration, a dlint bug.

    ``span`` is None when the problem has no place in the Dockerfile; it is then shown on
    the first line.
    """

    message: str
    span: Span | None = None


@dataclass
class Checked:
    """The last check of one Dockerfile: the version of the text it saw and its results."""

    version: int | None
    findings: list[Finding] = field(default_factory=list)
    trouble: Trouble | None = None
    # Absolute path of every file a finding points into (the Dockerfile, requirements).
    files: set[str] = field(default_factory=set)


def check_text(path: Path | None, name: str, text: str, options: CheckOptions) -> Checked:
    """Check ``text`` as the Dockerfile at ``path`` (None for an unsaved buffer).

    The same steps as ``dlint check``: configuration found from the file's folder, build
    context detected the same way, the file's own ``.dockerignore`` and requirements read
    from disk. Nothing a user can type raises; a dlint bug is a :class:`Trouble` too.
    """
    checked = Checked(None)
    try:
        target = document_target(path, name, text, options)
        config = config_resolver(options)(target)
        dockerfile = parse_dockerfile(text, target.name)
        build = load_build(dockerfile, target.context, target.path)
        checked.findings = check_build(build, config.rules(), config)
    except DockerfileSyntaxError as error:
        span = Span.of(error.line, error.column, error.line, error.column + 1)
        checked.trouble = Trouble(f"syntax error: {error.message}", span)
    except (InputError, ConfigError, RulePackError, RuleCrash) as error:
        checked.trouble = Trouble(str(error))
    except Exception as error:  # a bug in dlint must not take the editor's server down
        log.exception("checking %s failed", name)
        checked.trouble = Trouble(f"dlint failed: {type(error).__name__}: {error}")
    checked.files = {absolute(f.file) for f in checked.findings}
    return checked


def document_target(path: Path | None, name: str, text: str, options: CheckOptions) -> Target:
    """The check target of an open document: its file's context, the buffer's text."""
    if path is not None and path.is_file():
        (target,) = targets_for([str(path)], options.context)
        if target.error is None:
            return replace(target, text=text)
    context = Path(options.context) if options.context else None
    return Target(name, path, context, text)


def absolute(file: str) -> str:
    """A finding's file name (relative to the working directory) as an absolute path."""
    return os.path.abspath(file)


def forget_disk_state() -> None:
    """Drop what the check run caches about the disk: a saved file may change it.

    ``dlint check`` is one short run; a server lives on while configuration files and
    build-context hints (compose files, workflows) are created and edited.
    """
    from dlint import load

    discover_config.cache_clear()
    load.repository_root.cache_clear()
    load._detect.cache_clear()


class DlintServer(LanguageServer):
    """The server's state: the last check of every Dockerfile and the pending re-checks."""

    def __init__(self) -> None:
        super().__init__("dlint", __version__)
        self.checked: dict[str, Checked] = {}  # by Dockerfile URI
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.options = CheckOptions()
        self.debounce = DEBOUNCE_SECONDS

    # -- checking ------------------------------------------------------------------------

    def check(self, uri: str, text: str | None = None, version: int | None = None) -> None:
        """Check the Dockerfile at ``uri`` (its open buffer, else the file) and publish."""
        document = self.workspace.get_text_document(uri)
        if text is None:
            try:
                text = document.source
            except OSError as error:
                log.warning("cannot read %s: %s", uri, error)
                return
            version = document.version
        path = local_path(uri)
        name = display(path) if path is not None else uri
        before = self.checked.get(uri)
        checked = check_text(path, name, text, self.options)
        checked.version = version
        self.checked[uri] = checked
        touched = checked.files | (before.files if before else set())
        self.publish(uri)
        for file in sorted(touched):
            other = from_fs_path(file)
            if other is not None and other != uri:
                self.publish(other)

    def schedule(self, uri: str) -> None:
        """Check ``uri`` once the edits have paused for the debounce time."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.ensure_future(self._later(uri))

    async def _later(self, uri: str) -> None:
        await asyncio.sleep(self.debounce)
        self.pending.pop(uri, None)
        document = self.workspace.get_text_document(uri)
        self.check(uri, document.source, document.version)

    def recheck_readers(self, uri: str) -> None:
        """A requirements file, ``.dockerignore`` or configuration file was saved: check
        again the open Dockerfiles and the Dockerfiles that read it."""
        forget_disk_state()
        uris = [u for u in self.checked if u in self.workspace.text_documents]
        for reader in dict.fromkeys([*uris, *self.readers(uri)]):
            self.check(reader)

    def show_dependency(self, uri: str) -> None:
        """A requirements file or ``.dockerignore`` was opened: show its findings, checking
        the Dockerfiles that read it first unless they are checked already."""
        for reader in self.readers(uri):
            if reader not in self.checked:
                self.check(reader)
        self.publish(uri)

    def readers(self, uri: str) -> list[str]:
        """The URIs of the Dockerfiles whose check reads the file at ``uri`` (from disk).

        None for a configuration file: it governs every Dockerfile below it, and checking
        a whole repository on the event loop would stall the editor; the open Dockerfiles
        are the ones re-checked when it is saved.
        """
        from dlint.load import CONFIG_FILE_NAMES, dockerfiles_reading

        path = local_path(uri)
        if path is None or path.name in CONFIG_FILE_NAMES or not path.is_file():
            return []
        try:
            found = dockerfiles_reading(path, self.context())
        except Exception:  # a repository dlint cannot walk must not stop the server
            log.exception("finding the Dockerfiles that read %s failed", uri)
            return []
        return [u for u in (from_fs_path(str(p.resolve())) for p in found) if u]

    def context(self) -> Path | None:
        """The build context the settings give for every Dockerfile, if any."""
        return Path(self.options.context) if self.options.context else None

    # -- what the editor is shown ----------------------------------------------------------

    def findings_in(self, uri: str) -> list[tuple[str, Finding]]:
        """Every current finding inside the file at ``uri``, with the Dockerfile it came
        from; one finding that several Dockerfiles share is listed once."""
        path = local_path(uri)
        wanted = str(path) if path is not None else None
        seen = set()
        result = []
        for dockerfile, checked in self.checked.items():
            for finding in checked.findings:
                file = absolute(finding.file)
                if not (file == wanted or (dockerfile == uri and finding.file == uri)):
                    continue
                key = (finding.rule, finding.span, finding.message)
                if key not in seen:
                    seen.add(key)
                    result.append((dockerfile, finding))
        return result

    def publish(self, uri: str) -> None:
        """Send the diagnostics of the file at ``uri``."""
        document = self.workspace.get_text_document(uri)
        diagnostics = [diagnostic(document, f) for _, f in self.findings_in(uri)]
        checked = self.checked.get(uri)
        version = None
        if checked is not None:
            version = checked.version
            if checked.trouble is not None:
                diagnostics.insert(0, trouble_diagnostic(document, checked.trouble))
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def actions(self, uri: str, wanted: types.Range) -> list[types.CodeAction]:
        """Code actions for the findings that overlap ``wanted``, and "fix all"."""
        document = self.workspace.get_text_document(uri)
        actions: list[types.CodeAction] = []
        fixable: list[Finding] = []
        for dockerfile, finding in self.findings_in(uri):
            if finding.fix is None or not self.current(dockerfile):
                continue
            fixable.append(finding)
            shown = to_range(document, finding.span)
            if overlaps(shown, wanted):
                actions.append(self.fix_action(finding, finding.fix, diagnostic(document, finding)))
        everything = self.fix_all(uri, fixable)
        if everything is not None:
            actions.append(everything)
        return actions

    def current(self, dockerfile: str) -> bool:
        """True when the last check of ``dockerfile`` saw the text the editor has now."""
        checked = self.checked.get(dockerfile)
        document = self.workspace.text_documents.get(dockerfile)
        return checked is not None and (document is None or document.version == checked.version)

    def fix_action(self, finding: Finding, fix: Fix, shown: types.Diagnostic) -> types.CodeAction:
        """One finding's fix as a quick fix; an unsafe one says so in its title."""
        label = "" if fix.safe else " (unsafe: check the result)"
        return types.CodeAction(
            title=f"dlint: {fix.description} ({finding.name}){label}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[shown],
            is_preferred=fix.safe,
            edit=types.WorkspaceEdit(changes=self.text_edits(fix.edits)),
        )

    def text_edits(self, edits: Iterable[Edit]) -> dict[str, list[types.TextEdit]]:
        """Edits grouped by the URI of the file each one changes."""
        changes: dict[str, list[types.TextEdit]] = {}
        for edit in edits:
            uri = from_fs_path(absolute(edit.file or ""))
            if uri is None:
                continue
            document = self.workspace.get_text_document(uri)
            changes.setdefault(uri, []).append(
                types.TextEdit(range=to_range(document, edit.span), new_text=edit.replacement)
            )
        return changes

    def fix_all(self, uri: str, findings: Sequence[Finding]) -> types.CodeAction | None:
        """Every safe fix of the file, applied as ``dlint check --fix`` applies them: pass
        after pass, re-checking the text in between, since one fix can make room for
        another."""
        from dlint.checkrun import MAX_FIX_PASSES
        from dlint.fix import fixes_by_file

        document = self.workspace.get_text_document(uri)
        path = local_path(uri)
        if path is None:
            return None
        name = findings[0].file if findings else display(path)
        text = document.source
        count = 0
        for _ in range(MAX_FIX_PASSES):
            own = own_safe_fixes(findings, str(path))
            # Every edit of ``own`` names this file, as its findings do.
            read = {name: text}.__getitem__
            changed = fixes_by_file(
                own, read, refused=lambda file, reason: None, dockerfiles={name}
            )
            fixed = next(iter(changed.values()), None)
            if fixed is None or fixed[1].text == text:
                break
            text = fixed[1].text
            count += len(fixed[1].applied)
            findings = check_text(path, name, text, self.options).findings
        if count == 0:
            return None
        end = ServerTextPosition(len(document.lines), 0)
        whole = document.range_to_client_units(ServerTextRange(ServerTextPosition(0, 0), end))
        return types.CodeAction(
            title=f"dlint: apply {count} safe fix{'es' * (count != 1)}",
            kind=FIX_ALL,
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(whole, text)]}),
        )

    def hover(self, uri: str, where: types.Position) -> types.Hover | None:
        """The documentation of the rules whose findings cover ``where``."""
        document = self.workspace.get_text_document(uri)
        parts = []
        shown: set[str] = set()
        for _, finding in self.findings_in(uri):
            place = to_range(document, finding.span)
            if not contains(place, where) or finding.rule in shown:
                continue
            shown.add(finding.rule)
            parts.append(rule_markdown(finding))
        if not parts:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
            )
        )


def own_safe_fixes(findings: Iterable[Finding], file: str) -> list[Finding]:
    """The findings whose fix is safe and edits only ``file`` (an absolute path)."""
    return [
        f
        for f in findings
        if f.fix is not None
        and f.fix.safe
        and f.fix.edits
        and all(absolute(e.file or "") == file for e in f.fix.edits)
    ]


def rule_markdown(finding: Finding) -> str:
    """A rule's documentation for a hover: what ``dlint explain`` prints, in Markdown."""
    rule = find_rule(finding.rule)
    if rule is None:
        return f"**{finding.name}** ({finding.rule})\n\n{finding.message}"
    aliases = f" · {', '.join(rule.aliases)}" if rule.aliases else ""
    fix = ""
    if finding.fix is not None:
        fix = f"\n\nFix ({'safe' if finding.fix.safe else 'unsafe'}): {finding.fix.description}"
    return (
        f"**{rule.name}** ({rule.id}{aliases}) · {finding.severity.value}\n\n"
        f"{finding.message}{fix}\n\n{rule.summary}\n\n{rule.doc}"
    )


def local_path(uri: str) -> Path | None:
    """The absolute file path of a ``file:`` URI; None for unsaved buffers."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(os.path.abspath(path)) if path else None


def to_range(document: TextDocument, span: Span) -> types.Range:
    """A dlint span (1-based, code points) as an LSP range in the client's units."""
    start = ServerTextPosition(span.start.line - 1, span.start.column - 1)
    end = ServerTextPosition(span.end.line - 1, span.end.column - 1)
    try:
        return document.range_to_client_units(ServerTextRange(start, end))
    except OSError:  # the file is gone: the positions are still right in code points
        return types.Range(
            types.Position(start.line, start.character), types.Position(end.line, end.character)
        )


def overlaps(a: types.Range, b: types.Range) -> bool:
    """True when two ranges share a position (an empty range touching counts)."""
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def contains(place: types.Range, where: types.Position) -> bool:
    """True when ``where`` lies in ``place`` (its end included, so a caret after it counts)."""
    return key(place.start) <= key(where) <= key(place.end)


def key(position: types.Position) -> tuple[int, int]:
    """A position as a sortable pair."""
    return (position.line, position.character)


def diagnostic(document: TextDocument, finding: Finding) -> types.Diagnostic:
    """A finding as the editor shows it."""
    fixable = ""
    if finding.fix is not None:
        fixable = " [fix]" if finding.fix.safe else " [unsafe fix]"
    return types.Diagnostic(
        range=to_range(document, finding.span),
        message=f"{finding.message}{fixable}",
        severity=SEVERITIES[finding.severity],
        code=finding.shown_name,
        source=SOURCE,
        data={"rule": finding.rule},
    )


def trouble_diagnostic(document: TextDocument, trouble: Trouble) -> types.Diagnostic:
    """A problem that stopped the check, as an error on its line (or the first)."""
    span = trouble.span or Span.of(1, 1, 1, 1)
    return types.Diagnostic(
        range=to_range(document, span),
        message=f"dlint could not check this file: {trouble.message}",
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def options_from(settings: Any) -> CheckOptions:
    """``initializationOptions`` as check options.

    The keys are ``dlint check``'s options: ``config``, ``isolated``, ``select``,
    ``extend-select``, ``ignore`` (a string or a list of rules) and ``context``;
    ``debounce`` (seconds) is the server's own. Anything else is logged and ignored.
    """
    if not isinstance(settings, dict):
        return CheckOptions()
    chosen: dict[str, Any] = {}
    for key, value in settings.items():
        name = str(key).replace("-", "_")
        if name in RULE_SETTINGS and isinstance(value, list):
            value = ",".join(map(str, value))
        kind = bool if name == "isolated" else str
        if name in (*TEXT_SETTINGS, "isolated") and isinstance(value, kind):
            chosen[name] = value
        elif name != "debounce":
            log.warning("initializationOptions: %r=%r is not a dlint setting; ignored", key, value)
    return CheckOptions(**chosen)


def is_dockerfile(uri: str, language: str | None = None) -> bool:
    """True for a document dlint checks as a Dockerfile."""
    if language in ("dockerfile", "containerfile"):
        return True
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return is_dockerfile_name(name)


def build_server() -> DlintServer:
    """The server with its features registered."""
    server = DlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: DlintServer, params: types.InitializeParams) -> None:
        settings = params.initialization_options
        ls.options = options_from(settings)
        if isinstance(settings, dict) and isinstance(settings.get("debounce"), (int, float)):
            ls.debounce = max(0.0, float(settings["debounce"]))
        try:  # a bad --config is shown now, not as a mystery later
            config_resolver(ls.options)
        except ConfigError as error:
            ls.window_show_message(
                types.ShowMessageParams(types.MessageType.Error, f"dlint: {error}")
            )
            ls.options = CheckOptions()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DlintServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        if is_dockerfile(document.uri, document.language_id):
            ls.check(document.uri, document.text, document.version)
        else:
            path = local_path(document.uri)
            if path is not None and is_dependency_name(path):
                ls.show_dependency(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DlintServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.checked:
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = local_path(uri)
        if path is not None and is_dependency_name(path):
            ls.recheck_readers(uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: DlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        # Changed outside the editor (a git checkout, pip-compile): the same as a save.
        for uri in dict.fromkeys(change.uri for change in params.changes):
            path = local_path(uri)
            if path is not None and is_dependency_name(path):
                ls.recheck_readers(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        waiting = ls.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        before = ls.checked.pop(uri, None)
        ls.publish(uri)
        for file in sorted(before.files if before else ()):
            other = from_fs_path(file)
            if other is not None and other != uri:
                ls.publish(other)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
        ),
    )
    def code_action(ls: DlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.actions(params.text_document.uri, params.range)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: DlintServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params.text_document.uri, params.position)

    return server


def serve() -> int:
    """Run the server on stdin/stdout until the editor shuts it down; the exit code."""
    logging.basicConfig(level=logging.WARNING, format="dlint lsp: %(message)s")
    build_server().start_io()
    return 0
