"""The model the rules see: stages, spans across continuations, heredocs, substitution."""

from __future__ import annotations

import time

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


def test_each_instruction_sees_the_variables_set_before_it() -> None:
    """ARG/ENV scope per instruction: earlier values, later changes unseen, parents' ENV inherited.

    As in Docker, a stage built FROM another gets its environment but not its ARGs: ``A``
    is unset in the second stage until an ``ARG A`` there declares it again.
    """
    model = parse_dockerfile(
        "ARG A=1\nFROM base AS one\nARG A\nENV B=$A C=2\nRUN x\nENV B=3\nFROM one\nRUN y\n",
        "Dockerfile",
    )
    one, two = model.stages
    run_x, run_y = one.of("RUN")[0], two.of("RUN")[0]
    assert dict(run_x.variables) == {"A": "1", "B": "1", "C": "2"}
    assert run_x.variables.get("B") == "1" and "D" not in run_x.variables
    assert dict(one.of("ENV")[1].variables)["B"] == "1"
    assert dict(run_y.variables) == {"B": "3", "C": "2"}


def test_an_arg_does_not_override_an_env_of_the_same_name() -> None:
    """Docker: ENV always wins over ARG; a child stage re-declaring an ARG gets its default."""
    model = parse_dockerfile(
        "ARG V=9\nFROM base AS one\nENV V=1\nARG V=2\nRUN a\nFROM one\nARG V\nRUN b\n"
        "FROM base\nARG V\nRUN c\n",
        "Dockerfile",
    )
    run_a, run_b, run_c = (stage.of("RUN")[0] for stage in model.stages)
    assert run_a.variables["V"] == "1"
    assert run_b.variables["V"] == "1"  # the inherited ENV, not the global ARG default
    assert run_c.variables["V"] == "9"


def test_many_env_lines_parse_in_linear_time() -> None:
    """20,000 ENV lines took 18.5 s when every instruction copied the whole scope."""
    text = "FROM base\n" + "".join(f"ENV V{i}=x{i}\n" for i in range(20000)) + "RUN x\n"
    start = time.process_time()
    model = parse_dockerfile(text, "Dockerfile")
    assert time.process_time() - start < 6
    assert model.instructions[-1].variables["V19999"] == "x19999"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("FROM a\nRUN " + "x" * 70000 + "\n", 2, "line is longer than Docker's limit"),
        ("# escape=`\n# escape=`\nFROM a\n", 2, "only one escape parser directive"),
        ("# escape=x\nFROM a\n", 1, "invalid escape token"),
        ("FROM a\nCMD [1]\n", 2, "arrays must be comprised of strings only"),
        ("FROM a\nENV A\n", 2, "ENV must have two arguments"),
        ("FROM a\nLABEL a=1 b\n", 2, "can't find = in 'b'"),
        ("FROM a\n\x1cRUN x\n", 2, "unknown instruction"),
    ],
    ids=["long line", "two escapes", "bad escape", "JSON number", "ENV", "LABEL", "\\x1c"],
)
def test_what_docker_refuses_is_a_syntax_error(text: str, line: int, message: str) -> None:
    """BuildKit's own refusals (see tests/test_differential.py) are errors at their line."""
    with pytest.raises(DockerfileSyntaxError) as error:
        parse_dockerfile(text, "Dockerfile")
    assert error.value.line == line and message in error.value.message


def test_onbuild_heredoc_body_is_not_read_as_instructions() -> None:
    """``ONBUILD RUN <<EOF`` carries its heredoc like RUN does."""
    model = parse_dockerfile("FROM a\nONBUILD RUN <<EOF\npip install x\nEOF\n", "Dockerfile")
    (onbuild,) = model.stages[0].of("ONBUILD")
    assert [(d.delimiter, d.body) for d in onbuild.heredocs] == [("EOF", "pip install x\n")]
    assert (onbuild.span.start.line, onbuild.span.end.line) == (2, 4)


def test_a_long_directive_line_parses_in_linear_time() -> None:
    """A directive value followed by 60,000 spaces took 69 s in a backtracking regex."""
    start = time.process_time()
    model = parse_dockerfile("# check=skip=all" + " " * 60000 + "\nFROM a\n", "Dockerfile")
    assert time.process_time() - start < 2
    assert [(d.name, d.value) for d in model.directives] == [("check", "skip=all")]
