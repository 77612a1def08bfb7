"""``dlint lsp`` end to end: a real server subprocess driven by pytest-lsp's client.

Each test opens, edits and saves documents the way an editor does, and asserts what the
editor would show: diagnostics, code actions and the edits they make, hovers.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from helpers import run_dlint
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from dlint.rule import find_rule

# One server for the module (its start-up is most of the time); each test works in its
# own folder, so nothing one test writes reaches another's configuration.
pytestmark = pytest.mark.asyncio(loop_scope="module")
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
UNPINNED = "FROM python\nRUN pip install flask==3.0.3\n"
INSTALLS = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\n"
)
WAIT = 20  # seconds: far above a check, so a slow CI machine does not fail a test


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "dlint", "lsp"]),
)
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=tmp_path_factory.getbasetemp().as_uri(),
            initialization_options={"debounce": 0.2},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The diagnostics the server published for ``uri`` since this was last asked.

    The client keeps the latest per document; taking them out lets the next call wait
    for the next publication.
    """
    async with asyncio.timeout(WAIT):
        while uri not in client.diagnostics:
            await asyncio.sleep(0.02)
    return list(client.diagnostics.pop(uri))


async def open_file(client: LanguageClient, path: Path, text: str) -> list[types.Diagnostic]:
    """Write ``path``, open it in the editor and return its first diagnostics."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(path.as_uri(), "dockerfile", 1, text)
        )
    )
    return await published(client, path.as_uri())


def change(client: LanguageClient, path: Path, text: str, version: int) -> None:
    """Replace the whole buffer, as an editor sends a keystroke."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, path.as_uri()),
            [types.TextDocumentContentChangeWholeDocument(text)],
        )
    )


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    """The rule names of the diagnostics, in order."""
    return [str(d.code) for d in diagnostics]


def by_code(diagnostics: list[types.Diagnostic], code: str) -> types.Diagnostic:
    """The one diagnostic of rule ``code``."""
    (found,) = [d for d in diagnostics if d.code == code]
    return found


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (ASCII text: characters are code units) as an editor does."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return starts[min(position.line, len(lines))] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


async def actions_at(
    client: LanguageClient, path: Path, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    """The code actions the editor offers on ``diagnostic``."""
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(path.as_uri()),
            diagnostic.range,
            types.CodeActionContext([diagnostic]),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_open_publishes_findings_at_their_place(client: LanguageClient, tmp_path: Path):
    diagnostics = await open_file(client, tmp_path / "Dockerfile", UNPINNED)
    unpinned = by_code(diagnostics, "base-image-unpinned")
    # "python" on line 1, columns 6-12 in dlint's 1-based output.
    assert unpinned.range == types.Range(types.Position(0, 5), types.Position(0, 11))
    assert unpinned.severity == types.DiagnosticSeverity.Warning
    assert unpinned.source == "dlint"
    assert "has no tag" in unpinned.message
    assert by_code(diagnostics, "pip-cache-kept").message.endswith("[fix]")


async def test_a_burst_of_edits_is_checked_once_with_the_last_text(
    client: LanguageClient, tmp_path: Path
):
    dockerfile = tmp_path / "Dockerfile"
    await open_file(client, dockerfile, UNPINNED)
    for version in range(2, 7):
        change(client, dockerfile, "FROM python:3.11-slim\n" + "#\n" * version, version)
    params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), WAIT)
    assert params.uri == dockerfile.as_uri()
    assert params.version == 6
    assert "base-image-unpinned" not in codes(list(params.diagnostics))
    # No second check follows: the five changes were debounced into one.
    client.diagnostics.pop(dockerfile.as_uri(), None)
    await asyncio.sleep(1.5)
    assert dockerfile.as_uri() not in client.diagnostics


async def test_quick_fix_edits_the_buffer_and_the_finding_goes(
    client: LanguageClient, tmp_path: Path
):
    dockerfile = tmp_path / "Dockerfile"
    diagnostics = await open_file(client, dockerfile, UNPINNED)
    actions = await actions_at(client, dockerfile, by_code(diagnostics, "pip-cache-kept"))
    (fix,) = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert fix.title == "dlint: add --no-cache-dir (pip-cache-kept)"
    assert fix.is_preferred
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply(UNPINNED, list(fix.edit.changes[dockerfile.as_uri()]))
    assert fixed == "FROM python\nRUN pip install --no-cache-dir flask==3.0.3\n"
    change(client, dockerfile, fixed, 2)
    after = await published(client, dockerfile.as_uri())
    assert "pip-cache-kept" not in codes(after)
    assert "base-image-unpinned" in codes(after)


async def test_unsafe_fix_is_offered_and_labelled(client: LanguageClient, tmp_path: Path):
    dockerfile = tmp_path / "Dockerfile"
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
    diagnostics = await open_file(client, dockerfile, text)
    recommends = by_code(diagnostics, "apt-recommends")
    assert recommends.message.endswith("[unsafe fix]")
    actions = await actions_at(client, dockerfile, recommends)
    (fix,) = [a for a in actions if "apt-recommends" in a.title]
    assert "(unsafe" in fix.title
    assert not fix.is_preferred


async def test_fix_all_matches_dlint_check_fix(client: LanguageClient, tmp_path: Path):
    dockerfile = tmp_path / "Dockerfile"
    text = "from python:3.11-slim\nRUN pip install flask==3.0.3\nrun echo hi\n"
    diagnostics = await open_file(client, dockerfile, text)
    actions = await actions_at(client, dockerfile, diagnostics[0])
    (everything,) = [a for a in actions if a.kind == "source.fixAll.dlint"]
    assert everything.edit is not None and everything.edit.changes is not None
    fixed = apply(text, list(everything.edit.changes[dockerfile.as_uri()]))
    cli = run_dlint("check", "--fix", "-", stdin=text, cwd=tmp_path)
    assert fixed == cli.stdout.decode()
    assert fixed != text


async def test_hover_on_a_finding_shows_the_rule_docs(client: LanguageClient, tmp_path: Path):
    dockerfile = tmp_path / "Dockerfile"
    diagnostics = await open_file(client, dockerfile, UNPINNED)
    place = by_code(diagnostics, "base-image-unpinned").range.start
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(dockerfile.as_uri()), place)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    rule = find_rule("base-image-unpinned")
    assert rule is not None
    assert hover.contents.value.startswith(f"**base-image-unpinned** ({rule.id}")
    assert rule.doc.strip().splitlines()[0] in hover.contents.value
    nowhere = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(dockerfile.as_uri()), types.Position(1, 0))
    )
    assert nowhere is None


async def test_the_configuration_dlint_check_reads_applies(client: LanguageClient, tmp_path: Path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / ".dlint.yaml").write_text("ignore: [base-image-unpinned]\n")
    diagnostics = await open_file(client, tmp_path / "svc" / "Dockerfile", UNPINNED)
    assert "base-image-unpinned" not in codes(diagnostics)
    assert "pip-cache-kept" in codes(diagnostics)


async def test_bad_input_is_a_diagnostic_and_the_server_lives_on(
    client: LanguageClient, tmp_path: Path
):
    (tmp_path / ".dlint.yaml").write_text("ignore: [no-such-rule]\n")
    bad_config = await open_file(client, tmp_path / "Dockerfile", UNPINNED)
    assert len(bad_config) == 1
    assert "unknown rule 'no-such-rule'" in bad_config[0].message
    assert bad_config[0].severity == types.DiagnosticSeverity.Error
    (tmp_path / ".dlint.yaml").unlink()
    syntax = await open_file(client, tmp_path / "other" / "Dockerfile", "FROM python\nRUN <<EOF\n")
    assert syntax and "could not check" in syntax[0].message
    weird = await open_file(client, tmp_path / "x" / "Dockerfile", "\0\ufffd\x1b[2J" * 50)
    assert isinstance(weird, list)
    # Still answering.
    alive = await open_file(client, tmp_path / "ok" / "Dockerfile", UNPINNED)
    assert "base-image-unpinned" in codes(alive)


async def test_requirements_findings_show_in_the_requirements_file_and_follow_saves(
    client: LanguageClient, tmp_path: Path
):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("flask\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(INSTALLS)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(dockerfile.as_uri(), "dockerfile", 1, INSTALLS)
        )
    )
    first = await published(client, requirements.as_uri())
    unpinned = by_code(first, "requirements-unpinned")
    assert unpinned.range.start == types.Position(0, 0)
    # The user pins flask and saves: the Dockerfile is checked again, the finding goes.
    requirements.write_text("flask==3.0.3\n")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(requirements.as_uri()))
    )
    after = await published(client, requirements.as_uri())
    assert "requirements-unpinned" not in codes(after)


async def test_a_dockerignore_changed_outside_the_editor_rechecks(
    client: LanguageClient, tmp_path: Path
):
    dockerfile = tmp_path / "Dockerfile"
    text = "FROM python:3.11-slim\nCOPY secrets.env /app/\n"
    (tmp_path / "secrets.env").write_text("TOKEN=x\n")
    before = await open_file(client, dockerfile, text)
    assert "copy-ignored-file" not in codes(before)
    (tmp_path / ".dockerignore").write_text("*.env\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent((tmp_path / ".dockerignore").as_uri(), types.FileChangeType.Created)]
        )
    )
    after = await published(client, dockerfile.as_uri())
    assert "copy-ignored-file" in codes(after)


async def test_opening_a_requirements_file_shows_its_findings(
    client: LanguageClient, tmp_path: Path
):
    # The Dockerfile that installs it is not open in the editor.
    (tmp_path / "Dockerfile").write_text(INSTALLS)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("flask\ntorch>=2\n")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(requirements.as_uri(), "pip-requirements", 1, "flask\n")
        )
    )
    diagnostics = await published(client, requirements.as_uri())
    assert [(d.code, d.range.start.line) for d in diagnostics] == [
        ("requirements-unpinned", 0),
        ("requirements-unpinned", 1),
    ]


async def test_without_pygls_dlint_lsp_is_one_line_and_exit_2():
    hide = "import sys; sys.modules['pygls'] = None; from dlint.cli import main; sys.exit(main())"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        hide,
        "lsp",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert stderr.decode() == (
        "dlint: error: dlint lsp needs pygls; install it with: pip install 'dlint[lsp]'\n"
    )
    assert stdout == b""


async def test_editor_settings_are_dlint_check_options():
    from dlint.checkrun import CheckOptions
    from dlint.lsp import options_from

    settings = {"ignore": ["base-image-unpinned", "root-user"], "isolated": True, "colour": 1}
    assert options_from(settings) == CheckOptions(
        ignore="base-image-unpinned,root-user", isolated=True
    )
    assert options_from("not a mapping") == CheckOptions()
