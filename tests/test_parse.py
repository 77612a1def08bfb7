"""The model the rules see: stages, spans across continuations, heredocs, substitution."""

from __future__ import annotations

import pytest

from dlint.parse import DockerfileSyntaxError, parse_dockerfile

MULTI_STAGE = """# syntax=docker/dockerfile:1
ARG REGISTRY=ghcr.io/acme
FROM ${REGISTRY}/python:3.11-slim@sha256:abc AS builder
RUN pip install \\
    # the web stack
    flask==3.0.3
FROM python:3.11-slim
COPY --from=builder /opt/venv /opt/venv
COPY --from=0 /model /model
"""


def test_stages_base_images_and_copies() -> None:
    """Base images are split after ARG substitution; the final stage knows its sources."""
    model = parse_dockerfile(MULTI_STAGE, "Dockerfile")
    builder, final = model.stages
    assert (builder.base.registry, builder.base.name) == ("ghcr.io", "acme/python")
    assert (builder.base.tag, builder.base.digest) == ("3.11-slim", "sha256:abc")
    assert builder.name == "builder" and not builder.is_final
    assert final.is_final and final.copies_from == ("builder", "0")
    assert [d.name for d in model.directives] == ["syntax"]


def test_words_keep_their_place_across_continuations_and_comments() -> None:
    """A package on a continuation line after a comment line is placed exactly."""
    run = parse_dockerfile(MULTI_STAGE, "Dockerfile").stages[0].of("RUN")[0]
    (command,) = run.commands
    package = command.words[-1]
    assert package.text == "flask==3.0.3"
    assert (package.span.start.line, package.span.start.column) == (6, 5)
    assert (package.span.end.line, package.span.end.column) == (6, 17)
    assert (run.span.start.line, run.span.end.line) == (4, 6)


def test_heredoc_script_and_escape_directive() -> None:
    """Heredoc bodies are the RUN's script; a backtick escape joins lines."""
    model = parse_dockerfile(
        "# escape=`\nFROM debian:12 `\n  AS base\nRUN <<EOF\napt-get install -y gcc\nEOF\n",
        "Dockerfile",
    )
    assert model.escape == "`"
    assert model.stages[0].name == "base"
    (command,) = model.stages[0].of("RUN")[0].commands
    assert command.argv == ["apt-get", "install", "-y", "gcc"]
    assert command.words[3].span.start.line == 5


def test_unclosed_heredoc_is_a_syntax_error_at_its_instruction() -> None:
    """The error names the line of the RUN that opened it."""
    with pytest.raises(DockerfileSyntaxError) as error:
        parse_dockerfile("FROM debian:12\nRUN <<EOF\necho hi\n", "Dockerfile")
    assert (error.value.line, error.value.message) == (2, "heredoc <<EOF is never closed")
