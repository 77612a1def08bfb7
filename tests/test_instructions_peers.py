"""The instruction rules stand in for BuildKit's checks and hadolint's instruction rules.

A team switching to dlint keeps its ``# check=skip=`` and ``# hadolint ignore=`` lines and
loses no check: every BuildKit check name (but the two documented below) and every
hadolint code of the instruction area names a dlint rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.rule import all_rules, find_rule

BUILDKIT_CHECKS = [
    "StageNameCasing",
    "FromAsCasing",
    "NoEmptyContinuation",
    "ConsistentInstructionCasing",
    "DuplicateStageName",
    "ReservedStageName",
    "JSONArgsRecommended",
    "MaintainerDeprecated",
    "UndefinedArgInFrom",
    "WorkdirRelativePath",
    "UndefinedVar",
    "MultipleInstructionsDisallowed",
    "LegacyKeyValueFormat",
    "RedundantTargetPlatform",
    "InvalidDefaultArgInFrom",
    "FromPlatformFlagConstDisallowed",
    "CopyIgnoredFile",
    "InvalidDefinitionDescription",
    "ExposeProtoCasing",
    "ExposeInvalidFormat",
]
# Not here: InvalidBaseImagePlatform needs the base image's manifest from a registry, and
# SecretsUsedInArgOrEnv belongs to the secrets rule of another area.

HADOLINT_CODES = [
    "DL3000",
    "DL3001",
    "DL3003",
    "DL3004",
    "DL3010",
    "DL3011",
    "DL3012",
    "DL3020",
    "DL3021",
    "DL3022",
    "DL3023",
    "DL3024",
    "DL3029",
    "DL3043",
    "DL3044",
    "DL3045",
    "DL3046",
    "DL3048",
    "DL3049",
    "DL3050",
    "DL3051",
    "DL3052",
    "DL3053",
    "DL3054",
    "DL3055",
    "DL3056",
    "DL3057",
    "DL3058",
    "DL3063",
    "DL3065",
    "DL3066",
    "DL3067",
    "DL4000",
    "DL4003",
    "DL4004",
    "DL4005",
]


@pytest.mark.parametrize("code", BUILDKIT_CHECKS + HADOLINT_CODES)
def test_every_peer_code_names_a_rule(code: str) -> None:
    """``dlint explain``, config and inline ignores accept the peer's code."""
    assert find_rule(code) is not None, code


def findings(tmp_path: Path, dockerfile: str, select: list[str]) -> list[tuple[str, int]]:
    """(rule name, line) of what the selected rules report on ``dockerfile``."""
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)
    config = from_mapping({"select": select}, "test")
    result = check_targets([Target(path.name, path, tmp_path)], lambda _: config)
    assert not result.errors, result.errors
    names = {r.id: r.name for r in all_rules()}
    return sorted((names[f.rule], f.line) for f in result.findings)


def test_buildkit_and_hadolint_suppressions_keep_working(tmp_path: Path, monkeypatch) -> None:
    """A skipped BuildKit check and a hadolint ignore silence only what they name."""
    monkeypatch.chdir(tmp_path)
    dockerfile = (
        "# check=skip=StageNameCasing\n"
        "FROM python:3.11-slim AS Builder\n"
        "# hadolint ignore=DL3045\n"
        "COPY app.py app.py\n"
        "COPY app.py app2.py\n"
        "FROM python:3.11-slim AS builder\n"
    )
    got = findings(
        tmp_path,
        dockerfile,
        ["stage-name-casing", "copy-relative-without-workdir", "duplicate-stage-name"],
    )
    assert got == [("copy-relative-without-workdir", 5), ("duplicate-stage-name", 6)]


ODD_DOCKERFILES = {
    "windows escape": "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
    'WORKDIR C:\\app\nCOPY a.ps1 b.ps1 C:\\app\\\nRUN powershell -Command `\n    "echo hi"\n',
    "heredocs and onbuild": "FROM python:3.11-slim AS Base\nONBUILD COPY . .\n"
    "ONBUILD RUN sudo pip install .\nCOPY <<EOF /etc/app.conf\nport=8000\nEOF\n"
    "RUN <<EOF\ncd /tmp && tar -xf x.tar\nEOF\n",
    "empty and odd arguments": "ARG IMAGE\nFROM ${IMAGE:-python:3.11-slim}\n"
    "EXPOSE\nLABEL a=\nENV A=\nUSER\nWORKDIR\nCOPY --from= a b\nCOPY x\n"
    "EXPOSE ${PORT:-8000}/udp 8000/Tcp :::80\nHEALTHCHECK NONE\nCMD []\n",
    "variables everywhere": "ARG A=1\nARG B=${A}${C}\nFROM scratch AS s$A\n"
    "ARG A\nENV X=$A Y=${X:+$A} Z='$X'\nCOPY --chown=$U:$G $X/* $Y/\n",
}


@pytest.mark.parametrize("text", ODD_DOCKERFILES.values(), ids=ODD_DOCKERFILES.keys())
def test_instruction_rules_never_crash(tmp_path: Path, monkeypatch, text: str) -> None:
    """Every instruction rule, opt-in ones included, copes with odd but valid Dockerfiles."""
    monkeypatch.chdir(tmp_path)
    area = [r.id for r in all_rules() if r.area == "instructions"]
    findings(tmp_path, text, area)
