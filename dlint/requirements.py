"""Requirements and constraints files -> :class:`dlint.model.Requirement` records.

``packaging`` (the library pip itself vendors) parses each requirement, so names, extras,
markers and specifiers follow the standards; this module adds pip's file syntax around it:
comments, continuation lines, options, ``-r``/``-c`` includes, URLs and local paths.
"""

from __future__ import annotations

import re

from dlint import regex
from dlint.context import Requirement
from dlint.finding import Span
from dlint.records import dataclass

INCLUDE = regex.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)")
EDITABLE = regex.compile(r"^(-e|--editable)(?:\s*=\s*|\s+)(\S+)")
URL_OR_PATH = regex.compile(r"^(\w+(\+\w+)?://|\.|/|~)|\.(whl|zip|tar\.gz|tar\.bz2|tgz)$")


@dataclass(frozen=True)
class Include:
    """A ``-r`` or ``-c`` line inside a requirements file."""

    target: str
    constraint: bool
    line: int


# The common shapes, ``name[extra]==1.2.3, !=1.2.4``, read without ``packaging``: importing
# it costs about 35 ms of start-up (it pulls in platform and logging), a tenth of a
# pre-commit run. Anything else (markers, URLs, unusual versions) goes to ``packaging``.
SIMPLE = regex.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[A-Za-z0-9._,\s-]*\])?\s*"
    r"(?P<specs>(?:(?:===|==|~=|!=|<=|>=|<|>)\s*[0-9][A-Za-z0-9.*+!_-]*\s*(?:,\s*|$))*)$"
)
SPEC = regex.compile(r"(===|==|~=|!=|<=|>=|<|>)\s*([0-9][A-Za-z0-9.*+!_-]*)")


def _simple_specs(text: str) -> list[tuple[str, str]] | None:
    """The (operator, version) pairs of a plain requirement, or None when ``packaging``
    must judge it: only plain release numbers, ``.*`` after ``==``/``!=``, and ``~=``
    with two parts or more are read here."""
    simple = SIMPLE.match(text)
    if simple is None:
        return None
    specs = SPEC.findall(simple["specs"])
    for op, version in specs:
        release = version[:-2] if version.endswith(".*") and op in ("==", "!=") else version
        if not PLAIN_RELEASE.match(release) or (op == "~=" and "." not in release):
            return None
    return specs


PLAIN_RELEASE = regex.compile(r"^[0-9]+(\.[0-9]+)*$")


def canonical_name(name: str) -> str:
    """A project name as PEP 503 normalises it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_pinned_spec(spec: str) -> bool:
    """True when a requirement pins one exact version: ``==`` without ``*``, ``===``, ``@ url``."""
    text = spec.split(";", 1)[0]
    if " @ " in text or text.lstrip().startswith(("http://", "https://", "git+", "file:")):
        return True
    specs = _simple_specs(text)
    if specs is not None:
        exact = [v for op, v in specs if op in ("==", "===")]
        return bool(exact) and not any(v.endswith("*") for v in exact)
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    try:
        parsed = PackagingRequirement(text.strip())
    except InvalidRequirement:
        return "==" in text and "*" not in text
    if parsed.url:
        return True
    exact_specs = [s for s in parsed.specifier if s.operator in ("==", "===")]
    return bool(exact_specs) and not any(s.version.endswith("*") for s in exact_specs)


def requirement_name(spec: str) -> str | None:
    """The normalized project name of a requirement string, or None when it names no project."""
    text = spec.split(";", 1)[0].strip()
    simple = SIMPLE.match(text)
    if simple and _simple_specs(text) is not None:
        return canonical_name(simple["name"])
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    try:
        return canonical_name(PackagingRequirement(text).name)
    except InvalidRequirement:
        return None


OPTION_NAME = regex.compile(r"\s*(--?[A-Za-z][A-Za-z-]*)")


def option_names(text: str) -> tuple[str, ...]:
    """The names of a requirements file's option lines (``--index-url``), in order; the
    includes (``-r``, ``-c``) and editables (``-e``) are not options here."""
    names = []
    for line in text.split("\n"):
        found = OPTION_NAME.match(line)
        if found and not INCLUDE.match(line.strip()) and not EDITABLE.match(line.strip()):
            names.append(found[1])
    return tuple(names)


def parse_requirements(text: str) -> tuple[list[Requirement], list[Include]]:
    """Parse the text of a requirements file into requirements and includes, with places."""
    requirements: list[Requirement] = []
    includes: list[Include] = []
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        first = number
        line = lines[number]
        while line.rstrip().endswith("\\") and number + 1 < len(lines):
            number += 1
            line = line.rstrip()[:-1] + " " + lines[number]
        number += 1
        content = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].rstrip()
        stripped = content.strip()
        if not stripped:
            continue
        column = len(content) - len(content.lstrip()) + 1
        include = INCLUDE.match(stripped)
        if include:
            includes.append(Include(include[2], include[1] in ("-c", "--constraint"), first + 1))
            continue
        editable = EDITABLE.match(stripped)
        if editable:
            span = Span.of(first + 1, column, first + 1, column + len(stripped))
            requirements.append(Requirement(editable[2], stripped, span, True, "editable"))
            continue
        if stripped.startswith("-"):
            continue
        spec = re.split(r"\s--hash[= ]", stripped, maxsplit=1)[0].strip()
        end_column = column + len(spec) if first == number - 1 else len(lines[first]) + 1
        span = Span.of(first + 1, column, first + 1, end_column)
        name = requirement_name(spec)
        if URL_OR_PATH.search(spec.split(";", 1)[0].strip()):
            requirements.append(Requirement(spec, spec, span, True, "url"))
            continue
        if name is None:
            # Not a requirement: the file may not be what the build says it is (a token, a
            # config), so its text is kept out of the model and of every message.
            requirements.append(Requirement("", "", span, True, "invalid"))
            continue
        pinned = is_pinned_spec(spec)
        requirements.append(Requirement(name, spec, span, pinned, "package"))
    return requirements, includes


NAME_AND_EXTRAS = regex.compile(
    r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*"
)


def pinned_requirement(text: str, version: str) -> str | None:
    """``text`` pinned to ``==version``, keeping its name, extras and marker; None when the
    version is outside the specifiers ``text`` already has, or ``text`` is a URL."""
    requirement, semicolon, marker = text.partition(";")
    head = NAME_AND_EXTRAS.match(requirement)
    if head is None or "@" in requirement:
        return None
    specifiers = requirement[head.end() :].strip()
    if specifiers:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            if not SpecifierSet(specifiers).contains(version, prereleases=True):
                return None
        except InvalidSpecifier:
            return None
    tail = requirement[len(requirement.rstrip()) :] + semicolon + marker if semicolon else ""
    return f"{head[1]}{head[2] or ''}=={version}{tail}"
