#!/usr/bin/env python3
"""Write docs/peers.md: every check of hadolint, BuildKit, Trivy and Checkov -> its dlint rule.

    python scripts/peers.py            # print the page
    python scripts/peers.py --write    # rewrite docs/peers.md

A peer check is covered when a dlint rule carries its code in ``aliases`` (so config,
inline ignores, ``# hadolint ignore=`` and ``# check=skip=`` accept the code); otherwise
``NOT_COVERED`` says why. tests/test_peers.py keeps the page equal to this output and
fails when a listed code is neither covered nor explained. The one-line descriptions are
dlint's own words for what each peer checks.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "peers.md"

HADOLINT = {
    "DL1001": "inline ignore pragmas are used",
    "DL3000": "WORKDIR is not absolute",
    "DL3001": "a command that makes no sense in a container (ssh, vim, service…)",
    "DL3002": "the last USER is root",
    "DL3003": "cd in RUN instead of WORKDIR",
    "DL3004": "sudo in RUN",
    "DL3006": "FROM without a tag",
    "DL3007": "FROM with the latest tag",
    "DL3008": "apt-get install without versions",
    "DL3009": "apt lists not deleted",
    "DL3010": "a local archive copied then extracted instead of ADD",
    "DL3011": "EXPOSE port out of range",
    "DL3012": "more than one HEALTHCHECK",
    "DL3013": "pip install without versions",
    "DL3014": "apt-get install without -y",
    "DL3015": "apt-get install without --no-install-recommends",
    "DL3016": "npm install without versions",
    "DL3018": "apk add without versions",
    "DL3019": "apk add without --no-cache",
    "DL3020": "ADD for local files and folders",
    "DL3021": "COPY of several sources to a destination without a trailing /",
    "DL3022": "COPY --from names no earlier stage",
    "DL3023": "COPY --from names its own stage",
    "DL3024": "duplicate stage names",
    "DL3025": "CMD/ENTRYPOINT in shell form",
    "DL3026": "a base image from a registry that is not allowed",
    "DL3027": "apt instead of apt-get",
    "DL3028": "gem install without versions",
    "DL3029": "FROM --platform with a constant",
    "DL3030": "yum install without -y",
    "DL3032": "yum clean all missing",
    "DL3033": "yum install without versions",
    "DL3034": "zypper without -n/-y",
    "DL3035": "zypper dist-upgrade",
    "DL3036": "zypper clean missing",
    "DL3037": "zypper install without versions",
    "DL3038": "dnf install without -y",
    "DL3040": "dnf clean all missing",
    "DL3041": "dnf install without versions",
    "DL3042": "pip install keeps its cache",
    "DL3043": "ONBUILD of ONBUILD, FROM or MAINTAINER",
    "DL3044": "ENV refers to a variable it sets itself",
    "DL3045": "COPY to a relative destination without WORKDIR",
    "DL3046": "useradd with a high UID and without -l",
    "DL3047": "wget without --progress",
    "DL3048": "an invalid LABEL key",
    "DL3049": "a required LABEL is missing",
    "DL3050": "labels outside the required set",
    "DL3051": "an empty LABEL value",
    "DL3052": "a LABEL that must be a URL is not one",
    "DL3053": "a LABEL that must be an RFC 3339 time is not one",
    "DL3054": "a LABEL that must be an SPDX licence is not one",
    "DL3055": "a LABEL that must be a git hash is not one",
    "DL3056": "a LABEL that must be a semantic version is not one",
    "DL3057": "no HEALTHCHECK",
    "DL3058": "a LABEL that must be an e-mail address is not one",
    "DL3059": "consecutive RUN instructions",
    "DL3060": "yarn cache clean missing",
    "DL3061": "an instruction before FROM other than ARG",
    "DL3062": "go install without @version",
    "DL3063": "a reserved word as a stage name",
    "DL3064": "secrets in ARG or ENV",
    "DL3065": "FROM --platform=$TARGETPLATFORM is redundant",
    "DL3066": "a non-numeric USER",
    "DL3067": "COPY --from of a whole filesystem",
    "DL4000": "MAINTAINER is deprecated",
    "DL4001": "both wget and curl",
    "DL4003": "more than one CMD",
    "DL4004": "more than one ENTRYPOINT",
    "DL4005": "ln -s to change /bin/sh instead of SHELL",
    "DL4006": "a pipe in RUN without pipefail",
}
BUILDKIT = {
    "StageNameCasing": "stage names in lower case",
    "FromAsCasing": "FROM and AS in the same case",
    "NoEmptyContinuation": "an empty line inside a continuation",
    "ConsistentInstructionCasing": "instruction keywords in one case",
    "DuplicateStageName": "two stages with one name",
    "ReservedStageName": "a reserved word as a stage name",
    "JSONArgsRecommended": "CMD/ENTRYPOINT in shell form",
    "MaintainerDeprecated": "MAINTAINER is deprecated",
    "UndefinedArgInFrom": "FROM uses an ARG that is not declared",
    "WorkdirRelativePath": "a relative WORKDIR before any absolute one",
    "UndefinedVar": "a variable that is never defined",
    "MultipleInstructionsDisallowed": "more than one CMD, ENTRYPOINT or HEALTHCHECK",
    "LegacyKeyValueFormat": "ENV/LABEL key value without =",
    "InvalidBaseImagePlatform": (
        "a base image built for another platform (dlint: a one-architecture Docker Hub "
        "image, `arm64v8/…`, under a constant `--platform`; any other image's platforms are "
        "in its registry's manifest, which dlint never reads)"
    ),
    "RedundantTargetPlatform": "FROM --platform=$TARGETPLATFORM",
    "SecretsUsedInArgOrEnv": "secrets in ARG or ENV",
    "InvalidDefaultArgInFrom": "an ARG default that makes FROM invalid",
    "FromPlatformFlagConstDisallowed": "FROM --platform with a constant",
    "CopyIgnoredFile": "COPY of a path the .dockerignore excludes",
    "InvalidDefinitionDescription": "a description comment that does not name what follows",
    "ExposeProtoCasing": "EXPOSE protocol not in lower case",
    "ExposeInvalidFormat": "EXPOSE with a host address or port mapping",
}
TRIVY = {
    "DS-0001": "latest tag",
    "DS-0002": "image runs as root",
    "DS-0004": "port 22 exposed",
    "DS-0005": "ADD instead of COPY",
    "DS-0006": "COPY --from its own stage",
    "DS-0007": "more than one ENTRYPOINT",
    "DS-0008": "port out of range",
    "DS-0009": "WORKDIR not absolute",
    "DS-0010": "sudo",
    "DS-0011": "COPY of several sources without a trailing /",
    "DS-0012": "duplicate stage names",
    "DS-0013": "cd instead of WORKDIR",
    "DS-0014": "both wget and curl",
    "DS-0015": "yum clean all missing",
    "DS-0016": "more than one CMD",
    "DS-0017": "package index update alone in its RUN",
    "DS-0019": "dnf clean all missing",
    "DS-0020": "zypper clean missing",
    "DS-0021": "apt-get install without -y",
    "DS-0022": "MAINTAINER is deprecated",
    "DS-0023": "more than one HEALTHCHECK",
    "DS-0024": "apt-get dist-upgrade",
    "DS-0025": "apk add without --no-cache",
    "DS-0026": "no HEALTHCHECK",
    "DS-0027": "microdnf clean all missing",
    "DS-0029": "apt-get install without --no-install-recommends",
    "DS-0030": "WORKDIR in a system folder",
    "DS-0031": "secrets leaked in the Dockerfile",
}
CHECKOV = {
    **{f"CKV_DOCKER_{n}": "" for n in range(1, 12)},
    **{f"CKV2_DOCKER_{n}": "" for n in range(1, 19)},
}
CHECKOV_TOPICS = {
    "CKV_DOCKER_1": "port 22 exposed",
    "CKV_DOCKER_2": "no HEALTHCHECK",
    "CKV_DOCKER_3": "no USER",
    "CKV_DOCKER_4": "ADD instead of COPY",
    "CKV_DOCKER_5": "update alone",
    "CKV_DOCKER_6": "MAINTAINER",
    "CKV_DOCKER_7": "latest tag",
    "CKV_DOCKER_8": "last USER root",
    "CKV_DOCKER_9": "apt instead of apt-get",
    "CKV_DOCKER_10": "WORKDIR not absolute",
    "CKV_DOCKER_11": "duplicate stage names",
    "CKV2_DOCKER_1": "sudo",
}
CHECKOV.update(CHECKOV_TOPICS)  # the others: see the rule that carries the code

NOT_COVERED = {
    "DL3061": "dlint reports it as a parse error (exit 2), as `docker build` refuses the file",
}
PEERS = (
    ("hadolint", HADOLINT),
    ("BuildKit build checks", BUILDKIT),
    ("Trivy (`DS` checks)", TRIVY),
    ("Checkov (`CKV_DOCKER`, `CKV2_DOCKER`)", CHECKOV),
)


def covering() -> dict[str, tuple[str, str, str]]:
    """Peer code (canonical) -> (rule id, rule name, rule summary), from the aliases."""
    sys.path.insert(0, str(REPO))
    from dlint.rule import all_rules, canonical_code

    found: dict[str, tuple[str, str, str]] = {}
    for rule in all_rules():
        for alias in rule.aliases:
            found.setdefault(canonical_code(alias), (rule.id, rule.name, rule.summary))
    return found


def render() -> str:
    """The whole page."""
    from dlint.rule import canonical_code

    covered = covering()
    lines = [
        "# dlint and its peers",
        "",
        "Every check of hadolint, BuildKit's build checks, Trivy's Dockerfile checks and",
        "Checkov's Dockerfile checks, and the dlint rule that covers it. A covered code is an",
        "alias of the rule: `.dlint.yaml`, `--select`/`--ignore`, `# dlint ignore=`,",
        "`# hadolint ignore=` and `# check=skip=` all accept it. Where dlint judges",
        "differently on purpose, the rule's documentation (`dlint explain CODE`) says why;",
        "for hadolint, one line per code under *Differs from hadolint*, which",
        "`scripts/compare-hadolint.py --check` holds against hadolint on every rule case.",
        "",
        "Generated by `python scripts/peers.py --write`; `tests/test_peers.py` keeps it true.",
    ]
    header = len(lines)
    total = done = 0
    for title, checks in PEERS:
        lines += ["", f"## {title}", "", "| code | checks | dlint rule |", "|---|---|---|"]
        for code, what in checks.items():
            total += 1
            rule = covered.get(canonical_code(code))
            if rule is not None:
                done += 1
                cell = f"`{rule[1]}` ({rule[0]})"
            else:
                cell = f"none: {NOT_COVERED.get(code, 'not covered yet')}"
            what = what or (f"see the rule: {rule[2]}" if rule else "")
            lines.append(f"| {code} | {what} | {cell} |")
    lines[header:header] = [f"Covered: {done} of {total} peer checks.", ""]
    return "\n".join(lines) + "\n"


def uncovered() -> list[str]:
    """Peer codes that no rule covers and ``NOT_COVERED`` does not explain."""
    from dlint.rule import canonical_code

    covered = covering()
    return [
        code
        for _, checks in PEERS
        for code in checks
        if canonical_code(code) not in covered and code not in NOT_COVERED
    ]


def main() -> int:
    """Print the page, or write it with --write."""
    text = render()
    if "--write" in sys.argv[1:]:
        PAGE.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
