"""What the instruction rules share: text as written, stage names, variable uses.

The model keeps keywords upper-cased and stage names lower-cased, as Docker reads them;
the casing rules need them as the author wrote them, which the file's text still holds
at the exact spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from dlint import regex
from dlint.model import Dockerfile, Instruction, Stage, Word, kept, share_keys
from dlint.records import dataclass


def keywords_as_written(dockerfile: Dockerfile) -> dict[int, str]:
    """Each instruction's keyword in the author's casing (``From``, ``run``), by index.

    Two rules ask; the answer is kept on the (immutable) Dockerfile.
    """
    return kept(dockerfile, _WRITTEN_KEY, lambda: _keywords_as_written(dockerfile))


_WRITTEN_KEY = "_dlint_keywords_as_written"


def _keywords_as_written(dockerfile: Dockerfile) -> dict[int, str]:
    lines = dockerfile.text.split("\n")
    found = {}
    for instruction in dockerfile.instructions:
        place = instruction.keyword_place
        if isinstance(place, int):
            # A keyword on one line: read without making its span (100,000 of them).
            start = instruction.span.start
            written = lines[start.line - 1][start.column - 1 : start.column - 1 + place]
        else:
            line = lines[place.start.line - 1]
            end = place.end.column - 1 if place.end.line == place.start.line else len(line)
            written = line[place.start.column - 1 : end]
        # Mostly the keyword itself: keep its one string, not a copy per instruction.
        found[instruction.index] = (
            instruction.keyword if written == instruction.keyword else written
        )
    return found


def stage_name_word(stage: Stage) -> Word | None:
    """The word naming the stage (``builder`` in ``FROM x AS builder``), as written."""
    words = stage.from_instruction.arguments
    return words[2] if len(words) >= 3 and words[1].text.lower() == "as" else None


def all_instructions(dockerfile: Dockerfile) -> Iterator[Instruction]:
    """Every instruction, and after each ``ONBUILD`` the ``RUN``/``COPY``/``ADD`` it carries."""
    for instruction in dockerfile.instructions:
        yield instruction
        if instruction.trigger is not None:
            yield instruction.trigger


# $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME-word}, ${NAME+word}
VARIABLE_USE = regex.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class VariableUse:
    """One ``$NAME`` in an instruction's value; ``guarded`` when it carries a default."""

    name: str
    start: int
    end: int
    guarded: bool


def variable_uses(value: str, escape: str = "\\") -> tuple[VariableUse, ...]:
    """The variables Docker substitutes in ``value``: not inside single quotes, not escaped.

    Several rules ask of every instruction: equal values are read once.
    """
    return _variable_uses(value, escape) if "$" in value else ()


@lru_cache(maxsize=4096)
def _variable_uses(value: str, escape: str) -> tuple[VariableUse, ...]:
    found = []
    plain = _PLAIN_RUNS.get(escape) or _PLAIN_RUNS.setdefault(
        escape, re.compile(f"[^{re.escape(escape)}'\"$]+")
    )
    quote = ""
    index = 0
    while index < len(value):
        char = value[index]
        if char != escape and char not in "'\"$":
            # A run of ordinary characters changes nothing: skip it in one match.
            index = plain.match(value, index).end()  # type: ignore[union-attr]
            continue
        if char == escape and quote != "'":
            index += 2
            continue
        if char in "'\"" and (not quote or quote == char):
            quote = "" if quote else char
        elif char == "$" and quote != "'":
            match = VARIABLE_USE.match(value, index)
            if match:
                name = match[1] or match[3]
                found.append(VariableUse(name, match.start(), match.end(), bool(match[2])))
                index = match.end()
                continue
        index += 1
    return tuple(found)


_PLAIN_RUNS: dict[str, re.Pattern[str]] = {}
# The build arguments BuildKit defines in the global scope; a stage sees one only after
# declaring it with ``ARG NAME`` (without a value).
PLATFORM_ARGS = frozenset(
    {
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
    }
)
# Predefined proxy arguments: usable without a declaration.
PROXY_ARGS = frozenset(
    {
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "FTP_PROXY",
        "ftp_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    }
)


@dataclass(frozen=True)
class PortSpec:
    """One ``EXPOSE`` argument, ``[ip:][host:]port[/protocol]``, as Docker splits it."""

    word: Word
    text: str
    ip: str
    host_port: str
    port: str
    protocol: str | None


def exposed_ports(instruction: Instruction) -> tuple[PortSpec, ...]:
    """The arguments of an ``EXPOSE`` whose value is known (variables resolved).

    Four rules ask; the answer is kept on the (immutable) instruction.
    """
    return kept(instruction, _PORTS_KEY, lambda: tuple(_exposed_ports(instruction)))


_PORTS_KEY = "_dlint_exposed_ports"
share_keys(Instruction, _PORTS_KEY)


def _exposed_ports(instruction: Instruction) -> Iterator[PortSpec]:
    for word in instruction.arguments:
        resolved = instruction.resolve(word.text)
        if not resolved.complete:
            continue
        for text in resolved.text.split():
            parts = text.split(":")
            ip, host = ":".join(parts[:-2]), parts[-2] if len(parts) > 1 else ""
            port, slash, protocol = parts[-1].partition("/")
            yield PortSpec(word, text, ip, host, port, protocol if slash and protocol else None)


def port_range(port: str) -> tuple[int, int] | None:
    """``8000`` -> (8000, 8000), ``40000-40100`` -> (40000, 40100); None when malformed."""
    start, dash, end = port.partition("-")
    if not start.isdigit() or (dash and not end.isdigit()):
        return None
    return int(start), int(end if dash else start)


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def likely_typo(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` is most likely a misspelling of: same letters in another
    case, or one edit away (two for names of 8 letters or more)."""
    allowed = 2 if len(name) >= 8 else 1
    best: tuple[int, str] | None = None
    for candidate in candidates:
        if candidate == name or abs(len(candidate) - len(name)) > allowed:
            continue
        distance = 0 if candidate.lower() == name.lower() else edit_distance(name, candidate)
        if distance <= allowed and len(name) >= 4 and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


# What ADD unpacks: tar archives, plain or compressed with gzip, bzip2 or xz.
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
# hadolint also lets ADD take single compressed files.
COMPRESSED_SUFFIXES = (*TAR_SUFFIXES, ".gz", ".bz2", ".xz")


def is_tar(path: str) -> bool:
    """True for a file name ADD would unpack (``model.tar.gz``)."""
    return path.lower().endswith(TAR_SUFFIXES)


def is_absolute(path: str) -> bool:
    """True for ``/app``, and for Windows paths (``C:\\app``, ``c:/app``)."""
    return path.startswith(("/", "\\")) or WINDOWS_DRIVE.match(path) is not None


WINDOWS_DRIVE = regex.compile(r"^[A-Za-z]:([\\/]|$)")


def split_like_the_shell(instruction: Instruction) -> bool:
    """True when the model's words of a non-``RUN`` instruction may be wrong: its value
    holds ``&``, ``;``, ``|``, ``>`` or ``<`` outside quotes, which the shell tokenizer
    behind ``Instruction.arguments`` takes for operators but Docker keeps in the word
    (``ADD https://host/file?a=1&b=2 /tmp/``)."""
    return any(t.operator and t.text not in ("<<", "<<-") for t in instruction.tokens)


def label_pairs(instruction: Instruction) -> Iterator[tuple[Word, str, str | None]]:
    """The ``(word, key, value)`` of each label a ``LABEL`` sets; the value with its
    variables substituted, None when one of them has no value at lint time."""
    words = instruction.arguments
    if words and "=" not in words[0].text:
        # Legacy ``LABEL key value``: ``Instruction.assignments`` reads it so for ENV only.
        value = instruction.value.strip()[len(words[0].raw) :].strip()
        pairs = [(words[0], (words[0].text, value))]
    else:
        pairs = [(w, w.text.partition("=")[::2]) for w in words]
    for word, (key, value) in pairs:
        resolved = instruction.resolve((value or "").strip("\"'"))
        yield word, key, resolved.text if resolved.complete else None
