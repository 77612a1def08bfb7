"""Checks that look inside the running container through pytest-testinfra's docker backend.

Slim images have no ps or ss, so these read /proc and ask the image's own Python.
"""

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import testinfra
from testinfra.host import Host

from dlint.harness.kinds import elements, entries, kind
from dlint.harness.verdict import CheckFailed, expect

if TYPE_CHECKING:
    from dlint.harness.lab import Lab, Ready
    from dlint.harness.spec import Spec, User

GLOB_CHARS = re.compile(r"[*?\[]")
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)
GLOB_MATCHES = "import glob, json, sys; print(json.dumps(glob.glob(sys.argv[1], recursive=True)))"


def host_for(container_id: str) -> Host:
    """A testinfra host that runs commands with ``docker exec`` in the container."""
    return testinfra.get_host(f"docker://{container_id}")


def _status_ids(host: Host, field: str) -> list[int]:
    for line in host.file("/proc/1/status").content_string.splitlines():
        if line.startswith(f"{field}:"):
            return [int(value) for value in line.split()[1:]]
    raise CheckFailed(f"/proc/1/status has no {field} line")


def check_user(host: Host, uid: int | None, gid: int | None) -> None:
    """PID 1 runs as a non-root user, with the expected uid and gid when given."""
    uids, gids = _status_ids(host, "Uid"), _status_ids(host, "Gid")
    expect(0 not in uids, f"PID 1 runs as root (real/effective/saved uids {uids[:3]})")
    expect(uid is None or uids[1] == uid, f"PID 1 runs as uid {uids[1]}, expected {uid}")
    expect(gid is None or gids[1] == gid, f"PID 1 runs with gid {gids[1]}, expected {gid}")


def pid1_uid(host: Host) -> int:
    """Effective uid of PID 1."""
    return _status_ids(host, "Uid")[1]


def check_pid1(host: Host, needle: str) -> None:
    """PID 1's command line contains ``needle`` (exec form: no shell in between)."""
    command = host.file("/proc/1/cmdline").content_string.replace("\0", " ").strip()
    expect(needle in command, f"PID 1 is {command!r}, expected it to contain {needle!r}")


def check_present(host: Host, path: str) -> None:
    """``path`` exists in the container."""
    expect(host.file(path).exists, f"{path} does not exist")


def check_absent(host: Host, pattern: str) -> None:
    """Nothing matches ``pattern`` (a path or a recursive glob) in the container."""
    if not GLOB_CHARS.search(pattern):
        expect(not host.file(pattern).exists, f"{pattern} exists")
        return
    matches = json.loads(host.check_output("python -c %s %s", GLOB_MATCHES, pattern))
    expect(not matches, f"{pattern} matches {', '.join(matches[:5])}")


def check_command_absent(host: Host, command: str) -> None:
    """``command`` is not on the container's PATH."""
    if host.exists(command):
        raise CheckFailed(f"{command} is on PATH at {host.find_command(command)}")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    """Exact pins of a requirements lock: normalised name -> version."""
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_normal(name.split("[")[0].strip())] = version.split(";")[0].strip()
    return pins


def installed_packages(host: Host) -> dict[str, str]:
    """Distributions the container's ``python`` sees: normalised name -> version."""
    found = json.loads(host.check_output("python -c %s", LIST_DISTRIBUTIONS))
    return {_normal(name): version for name, version in found.items()}


def check_package(installed: dict[str, str], name: str, version: str) -> None:
    """The locked package is installed at exactly the locked version."""
    expect(name in installed, f"{name}=={version} is locked but not installed")
    expect(installed[name] == version, f"{name} {installed[name]} installed, lock pins {version}")


def check_only_locked(installed: dict[str, str], pins: dict[str, str]) -> None:
    """No distribution is installed that the lock does not pin."""
    extra = sorted(f"{name}=={version}" for name, version in installed.items() if name not in pins)
    expect(not extra, f"installed but not in the lock: {', '.join(extra)}")


def check_env(host: Host, name: str, value: str) -> None:
    """PID 1's environment has ``name`` set to ``value``."""
    pairs = host.file("/proc/1/environ").content_string.split("\0")
    environment = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    expect(name in environment, f"{name} is not set in PID 1's environment")
    expect(environment[name] == value, f"{name}={environment[name]!r}, expected {value!r}")


# --- the check kinds of ``inside`` -------------------------------------------------------

# The distributions each container's Python sees, asked once per container.
_installed: dict[str, dict[str, str]] = {}


def _host(ready: "Ready") -> Host:
    return host_for(ready.container_id)


def _installed_in(ready: "Ready") -> dict[str, str]:
    if ready.container_id not in _installed:
        _installed[ready.container_id] = installed_packages(_host(ready))
    return _installed[ready.container_id]


def _pins(lock: str, spec: "Spec") -> list[tuple[str, tuple[str, str]]]:
    return [(name, (name, version)) for name, version in sorted(_lock(lock, spec).items())]


def _lock(lock: str, spec: "Spec") -> dict[str, str]:
    return read_lock(spec.context / lock)


@kind("inside-user", section="inside.user", needs=("ready",))
def inside_user(user: "User", ready: "Ready") -> None:
    """PID 1 is not root in any of real/effective/saved uid, and the effective uid/gid
    equal the given ones (`{uid, gid}`, each optional)."""
    check_user(_host(ready), user.uid, user.gid)


@kind("inside-pid1", section="inside.pid1", needs=("ready",))
def inside_pid1(needle: str, ready: "Ready") -> None:
    """`/proc/1/cmdline` contains the text (exec-form CMD, no shell in between)."""
    check_pid1(_host(ready), needle)


@kind("inside-present", "inside.files_present", ("ready",), elements, "PATH")
def inside_present(path: str, ready: "Ready") -> None:
    """The path exists."""
    check_present(_host(ready), path)


@kind("inside-absent", "inside.files_absent", ("ready",), elements, "PATTERN")
def inside_absent(pattern: str, ready: "Ready") -> None:
    """Nothing matches; a pattern with `*`, `?` or `[` is a recursive glob (`**`) run by the
    image's `python`."""
    check_absent(_host(ready), pattern)


@kind("inside-no-command", "inside.commands_absent", ("ready",), elements, "NAME")
def inside_no_command(command: str, ready: "Ready") -> None:
    """`NAME` is not on the container's `PATH`."""
    check_command_absent(_host(ready), command)


@kind("inside-package", "inside.packages_lock", ("ready",), _pins, "NAME")
def inside_package(pin: tuple[str, str], ready: "Ready") -> None:
    """Each `name==version` line of the lock file (relative to DIR) is installed at exactly
    that version (names compared after PEP 503 normalisation)."""
    name, version = pin
    check_package(_installed_in(ready), name, version)


@kind("inside-packages-only-locked", "inside.packages_lock", ("lab", "ready"))
def inside_packages_only_locked(lock: str, lab: "Lab", ready: "Ready") -> None:
    """Nothing is installed that the lock file does not pin."""
    check_only_locked(_installed_in(ready), _lock(lock, lab.spec))


@kind("inside-env", "inside.env", ("ready",), entries, "NAME")
def inside_env(variable: tuple[str, str], ready: "Ready") -> None:
    """PID 1's environment has that value."""
    name, value = variable
    check_env(_host(ready), name, value)
