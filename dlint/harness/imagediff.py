"""What two built images differ in, and whether a fix's declared changes explain it.

Pure data and comparison: ``snapshot_of`` turns ``docker inspect`` data and the final
file tree into a :class:`Snapshot`, ``differences`` lists what changed between two, and
``Intent`` is one entry of a fix's ``changes`` (see docs/harness.md, "Intended changes").
The engine side (building, exporting) lives in ``verify_fixes``.
"""

from __future__ import annotations

import re
import shlex
import tarfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

# The parts of an image's configuration a fix must not change unless it says so.
CONFIG_KEYS = (
    "Entrypoint",
    "Cmd",
    "User",
    "Env",
    "WorkingDir",
    "ExposedPorts",
    "Healthcheck",
    "Labels",
    "Volumes",
    "StopSignal",
    "Shell",
    "OnBuild",
)
# Keys whose value is a set of named items; an intent may name one item (Env:NAME).
ITEM_KEYS = ("Env", "ExposedPorts", "Labels", "Volumes")
# Keys whose shell form may become exec form with the same words (Cmd.form).
FORM_KEYS = ("Entrypoint", "Cmd", "Healthcheck")
# The top-level field MAINTAINER sets.
AUTHOR = "Author"
PATH_KINDS = ("files", "removed", "owners")
# dlint's own build labels (run id, owner, layer label) are not the image's.
OWN_LABEL_PREFIX = "dlint."
DEFAULT_SHELL = ("/bin/sh", "-c")


@dataclass(frozen=True)
class FileEntry:
    """One path of an image's file tree, as the comparison sees it (no times)."""

    kind: str
    mode: int
    uid: int
    gid: int
    size: int
    target: str = ""

    def describe(self) -> str:
        """``file 0644 0:0 12 B`` and the like."""
        text = f"{self.kind} {self.mode:04o} {self.uid}:{self.gid}"
        if self.kind == "file":
            text += f" {self.size} B"
        if self.target:
            text += f" -> {self.target}"
        return text


@dataclass(frozen=True)
class Snapshot:
    """An image as a fix must keep it: its compared configuration and its file tree."""

    config: Mapping[str, Any]
    files: Mapping[str, FileEntry]


@dataclass(frozen=True)
class Difference:
    """One thing that differs between the original image and the fixed one.

    ``aspect`` is a config key, ``Author`` or ``files``; ``item`` names the variable,
    label, port, volume or path; ``change`` is ``added``, ``removed``, ``changed`` or
    ``form`` (shell form became exec form with the same words).
    """

    aspect: str
    item: str | None
    change: str
    before: str
    after: str
    attributes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the report."""
        where = self.aspect if self.item is None else f"{self.aspect} {self.item}"
        if self.aspect == "files":
            if self.change == "changed":
                what = ", ".join(self.attributes)
                return f"{self.item}: {what} changed ({self.before} -> {self.after})"
            return f"{self.item} {self.change} ({self.before or self.after})"
        if self.change == "form":
            return f"{where}: shell form -> exec form, same words ({self.before} -> {self.after})"
        return f"{where} {self.change}: {self.before or '(none)'} -> {self.after or '(none)'}"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def normalised_config(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The compared part of ``docker inspect``'s image record, empty values as None."""
    config = attrs.get("Config") or {}
    result: dict[str, Any] = {}
    for key in CONFIG_KEYS:
        value = config.get(key)
        if key == "Env" and value:
            value = dict(item.partition("=")[::2] for item in value)
        elif key == "Labels" and value:
            value = {k: v for k, v in value.items() if not k.startswith(OWN_LABEL_PREFIX)}
        elif key in ("ExposedPorts", "Volumes") and value:
            value = {name: "" for name in value}
        result[key] = None if _empty(value) else value
    result[AUTHOR] = attrs.get(AUTHOR) or None
    return result


def snapshot_of(attrs: Mapping[str, Any], files: Mapping[str, FileEntry]) -> Snapshot:
    """A snapshot from an image's inspect record and its file tree."""
    return Snapshot(normalised_config(attrs), dict(files))


def file_tree(stream: IO[bytes]) -> dict[str, FileEntry]:
    """Paths of a ``docker export`` tar stream; a hard link counts as the file it links to."""
    entries: dict[str, FileEntry] = {}
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            path = _absolute(member.name)
            # Permission bits only: some exporters put the file type in the mode too.
            mode = member.mode & 0o7777
            if member.islnk():
                linked = entries.get(_absolute(member.linkname))
                size = linked.size if linked else member.size
                entries[path] = FileEntry("file", mode, member.uid, member.gid, size)
                continue
            kind = (
                "dir"
                if member.isdir()
                else "symlink"
                if member.issym()
                else "file"
                if member.isreg()
                else "special"
            )
            size = member.size if kind == "file" else 0
            target = member.linkname if kind == "symlink" else ""
            entries[path] = FileEntry(kind, mode, member.uid, member.gid, size, target)
    return entries


def _absolute(name: str) -> str:
    """A tar member's name as an absolute path: ``./etc/`` and ``etc`` are ``/etc``."""
    return "/" + name.removeprefix("./").strip("/")


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ", ".join(_quote(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in sorted(value.items())) + "}"
    return _quote(value)


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def shell_words(before: Any, after: Any, shell: Sequence[str]) -> bool:
    """True when ``after`` runs the words of the shell-form command ``before``.

    ``before`` is ``[*shell, SCRIPT]`` (or a health check's ``["CMD-SHELL", SCRIPT]``)
    and ``after`` is those words as exec form (``["CMD", *words]`` for a health check).
    """
    if isinstance(before, dict) and isinstance(after, dict):
        rest_before = {k: v for k, v in before.items() if k != "Test"}
        rest_after = {k: v for k, v in after.items() if k != "Test"}
        test_before, test_after = before.get("Test") or [], after.get("Test") or []
        if rest_before != rest_after or test_before[:1] != ["CMD-SHELL"]:
            return False
        return test_after[:1] == ["CMD"] and shell_words(
            [*shell, *test_before[1:]], test_after[1:], shell
        )
    if not isinstance(before, list) or not isinstance(after, list):
        return False
    if len(before) != len(shell) + 1 or before[: len(shell)] != list(shell):
        return False
    try:
        return shlex.split(before[-1]) == after
    except ValueError:
        return False


def differences(original: Snapshot, fixed: Snapshot) -> list[Difference]:
    """Everything that differs, config first, then paths in order."""
    found: list[Difference] = []
    shell = original.config.get("Shell") or DEFAULT_SHELL
    for key in (*CONFIG_KEYS, AUTHOR):
        before, after = original.config.get(key), fixed.config.get(key)
        if before == after:
            continue
        if key in ITEM_KEYS and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            found.extend(_item_differences(key, before or {}, after or {}))
            continue
        change = "changed"
        if key in FORM_KEYS and shell_words(before, after, shell):
            change = "form"
        found.append(Difference(key, None, change, _show(before), _show(after)))
    found.extend(_file_differences(original.files, fixed.files))
    return found


def _item_differences(
    key: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterator[Difference]:
    for name in sorted(set(before) | set(after)):
        if name not in after:
            yield Difference(key, name, "removed", _show(before[name]), "")
        elif name not in before:
            yield Difference(key, name, "added", "", _show(after[name]))
        elif before[name] != after[name]:
            yield Difference(key, name, "changed", _show(before[name]), _show(after[name]))


def _file_differences(
    before: Mapping[str, FileEntry], after: Mapping[str, FileEntry]
) -> Iterator[Difference]:
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        if new is None:
            assert old is not None
            yield Difference("files", path, "removed", old.describe(), "")
        elif old is None:
            yield Difference("files", path, "added", "", new.describe())
        else:
            changed = [
                name
                for name, a, b in (
                    ("kind", old.kind, new.kind),
                    ("mode", old.mode, new.mode),
                    ("owner", (old.uid, old.gid), (new.uid, new.gid)),
                    ("size", old.size, new.size),
                    ("target", old.target, new.target),
                )
                if a != b
            ]
            yield Difference(
                "files", path, "changed", old.describe(), new.describe(), tuple(changed)
            )


class IntentError(ValueError):
    """A fix's ``changes`` entry is not one of the forms docs/harness.md lists."""


def _glob(pattern: str) -> re.Pattern[str]:
    """``**`` any run of path segments (``/a/**`` is ``/a`` too), ``*`` and ``?`` within one."""
    out, index = "", 0
    while index < len(pattern):
        if pattern.startswith("/**", index) and index + 3 == len(pattern):
            out += "(/.*)?"
            index += 3
        elif pattern.startswith("**/", index):
            out += "(.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return re.compile(out + r"\Z")


@dataclass(frozen=True)
class Intent:
    """One thing a fix means to change in the built image."""

    text: str
    aspect: str
    item: str | None = None
    form_only: bool = False
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Intent:
        """Read ``User``, ``Env:NAME``, ``Cmd.form``, ``files:GLOB``, ``removed:GLOB`` or
        ``owners:GLOB``; :class:`IntentError` otherwise."""
        head, colon, rest = text.partition(":")
        if head in PATH_KINDS:
            if not rest.startswith(("/", "**")):
                raise IntentError(f"{text!r}: the glob after {head}: must start with / or **")
            return cls(text, head, pattern=_glob(rest))
        key, dot, form = head.partition(".")
        if key not in (*CONFIG_KEYS, AUTHOR):
            known = ", ".join((*CONFIG_KEYS, AUTHOR, *(f"{k}:GLOB" for k in PATH_KINDS)))
            raise IntentError(f"{text!r}: unknown change; one of {known}")
        if dot and (form != "form" or key not in FORM_KEYS or colon):
            raise IntentError(f"{text!r}: only {', '.join(FORM_KEYS)} take .form")
        if colon and (key not in ITEM_KEYS or not rest):
            raise IntentError(f"{text!r}: only {', '.join(ITEM_KEYS)} name an item")
        return cls(text, key, rest or None, form_only=bool(dot))

    def covers(self, difference: Difference) -> bool:
        """True when ``difference`` is what this intent allows."""
        if self.pattern is not None:
            if difference.aspect != "files" or difference.item is None:
                return False
            if self.aspect == "removed" and difference.change != "removed":
                return False
            if self.aspect == "owners" and difference.attributes != ("owner",):
                return False
            return self.pattern.match(difference.item) is not None
        if difference.aspect != self.aspect:
            return False
        if self.form_only:
            return difference.change == "form"
        return self.item is None or self.item == difference.item


def parse_intents(changes: Iterable[str]) -> tuple[Intent, ...]:
    """Every entry of a fix's ``changes``; :class:`IntentError` names the first bad one."""
    return tuple(Intent.parse(text) for text in changes)


def explained(
    found: Sequence[Difference], intents: Sequence[Intent]
) -> tuple[list[Difference], list[Difference]]:
    """Split ``found`` into the differences ``intents`` allow and the rest.

    A folder added or removed is allowed when something below it changed and every
    change below it is allowed: removing a cache removes the folder that held it.
    """
    allowed = [d for d in found if any(i.covers(d) for i in intents)]
    rest = [d for d in found if d not in allowed]
    for folder in sorted(
        (d for d in rest if d.aspect == "files" and d.change in ("added", "removed")),
        key=lambda d: -len(d.item or ""),
    ):
        if not (folder.before or folder.after).startswith("dir "):
            continue
        prefix = (folder.item or "").rstrip("/") + "/"
        below = [d for d in found if d.aspect == "files" and (d.item or "").startswith(prefix)]
        if below and all(d in allowed for d in below):
            allowed.append(folder)
            rest.remove(folder)
    return allowed, rest
