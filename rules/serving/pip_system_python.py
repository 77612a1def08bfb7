"""## What it does
Flags two ways an image trips over the distribution's own Python:

- `pip install` (or `uv pip install --system`) into the system Python of a distribution
  that marks it externally managed (PEP 668): Debian 12 and later, Ubuntu 23.04 and later,
  and images built on them (`nvidia/cuda:*-ubuntu24.04`). pip refuses and the build
  fails. A virtualenv (`python3 -m venv`, its `pip`, or its `bin` on `PATH`), `--target`,
  `--break-system-packages` or `PIP_BREAK_SYSTEM_PACKAGES` pass. The official `python`
  images install Python in `/usr/local` and are not affected.
- an image that installs a second Python (`apt-get install python3.11` on Ubuntu 22.04,
  whose `python3` is 3.10) and then uses the distribution's `pip3`/`python3`: the packages
  go to the old Python, the new one is dead weight, and the app runs on the old version.
  `python3.11 -m pip`, or `update-alternatives`/`ln -s` pointing `python3` at it, pass.

## Why it matters
The first is a build that stopped working on a base image upgrade ("error:
externally-managed-environment"); the second builds, and silently serves the model on
another Python than the one tested, with wheels built for it and a few hundred MB of an
unused interpreter.

## Example
```dockerfile
FROM ubuntu:22.04
RUN apt-get update && apt-get install -y python3.11 python3-pip
RUN pip3 install -r requirements.txt       # installs for Python 3.10
CMD ["python3", "app.py"]                  # runs on Python 3.10
```

## Instead
```dockerfile
FROM python:3.11-slim
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
```
or, on a distribution image, a virtualenv: `python3 -m venv /opt/venv` and
`ENV PATH=/opt/venv/bin:$PATH`.

## Fix safety
No automatic fix: a virtualenv or a different base changes paths the rest of the image
may rely on. The finding points at the `install` (or the `pip3`/`python3` word) and names
the Python versions involved.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.app import start_command
from dlint.commands import PIP, PYTHON, pip_installs, system_installs
from dlint.finding import Problem, Severity
from dlint.model import Build, Command, Dockerfile, ImageRef, Instruction, Stage
from dlint.rule import Rule

DEBIAN = {"10": "3.7", "11": "3.9", "12": "3.11", "13": "3.13"}
DEBIAN_NAMES = {"buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13"}
UBUNTU = {"18.04": "3.6", "20.04": "3.8", "22.04": "3.10", "23.04": "3.11", "23.10": "3.11"}
UBUNTU.update({"24.04": "3.12", "24.10": "3.12", "25.04": "3.13"})
UBUNTU_NAMES = {"bionic": "18.04", "focal": "20.04", "jammy": "22.04", "lunar": "23.04"}
UBUNTU_NAMES.update({"mantic": "23.10", "noble": "24.04", "oracular": "24.10"})
SYSTEM_BIN = ("/usr/", "/bin/", "/sbin/")
VERSIONED_PYTHON = regex.compile(r"^python(3\.\d+)$")


def distro(base: ImageRef) -> tuple[str, str, str] | None:
    """(distribution, release, default python) of a Debian or Ubuntu base, if known."""
    tag = (base.tag or "").lower()
    if base.registry is None and base.name in ("debian", "library/debian"):
        release = DEBIAN_NAMES.get(tag.split("-", 1)[0], tag.split(".", 1)[0].split("-", 1)[0])
        return ("Debian", release, DEBIAN[release]) if release in DEBIAN else None
    if base.registry is None and base.name in ("ubuntu", "library/ubuntu"):
        release = UBUNTU_NAMES.get(tag, tag)
        return ("Ubuntu", release, UBUNTU[release]) if release in UBUNTU else None
    match = re.search(r"ubuntu(\d\d\.\d\d)", tag)
    if match and match[1] in UBUNTU:
        return "Ubuntu", match[1], UBUNTU[match[1]]
    return None


def externally_managed(found: tuple[str, str, str]) -> bool:
    """True for Debian 12+ and Ubuntu 23.04+."""
    name, release, _ = found
    if name == "Debian":
        return int(release) >= 12
    return tuple(map(int, release.split("."))) >= (23, 4)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each pip install the system Python refuses or does not run."""
    dockerfile = build.dockerfile
    for stage in dockerfile.stages:
        lineage = dockerfile.lineage(stage)
        found = distro(lineage[-1].base)
        if found is None:
            continue
        runs = [i for s in reversed(lineage) for i in s.of("RUN")]
        if not distro_python(runs):
            continue  # a Python built from source or copied in is not the distro's
        venv = uses_venv(lineage)
        if externally_managed(found) and not venv:
            for run in stage.of("RUN"):
                yield from refused(run, found)
        if stage.is_final:
            yield from other_python(dockerfile, runs, found)


def distro_python(runs: list[Instruction]) -> bool:
    """True when the image installs the distribution's Python with apt."""
    return any(
        w.text.split("=", 1)[0].startswith(("python3", "python-is-python3"))
        for run in runs
        for install in system_installs(run, "apt-get")
        for w in install.packages
    )


def uses_venv(lineage: list[Stage]) -> bool:
    """A virtualenv made in the image, or ``PIP_BREAK_SYSTEM_PACKAGES`` set."""
    for stage in lineage:
        for instruction in stage:
            if instruction.keyword == "ENV" and any(
                n == "PIP_BREAK_SYSTEM_PACKAGES" for n, _ in instruction.assignments
            ):
                return True
    return False


def refused(run: Instruction, found: tuple[str, str, str]) -> Iterator[Problem]:
    """pip installs of one ``RUN`` that PEP 668 refuses on this distribution."""
    for pip in pip_installs(run):
        words = pip.command.words
        program = words[0].text
        if pip.command.program == "uv" and not pip.has_option("--system"):
            continue
        if in_virtualenv(program):
            continue
        if pip.has_option("--break-system-packages", "--target", "-t", "--prefix", "--root"):
            continue
        if made_venv(run) or run.variables.get("PIP_BREAK_SYSTEM_PACKAGES") or venv_on_path(run):
            continue
        name, release, _ = found
        yield Problem(
            f"{name} {release} marks its Python as externally managed (PEP 668): this pip "
            "install fails with 'externally-managed-environment'; install into a virtualenv "
            "(python3 -m venv /opt/venv) or build on python:*-slim",
            pip.verb.span if pip.verb is not None else pip.command.span,
        )


def in_virtualenv(program: str) -> bool:
    """``/opt/venv/bin/pip``: a pip outside the system folders belongs to a virtualenv."""
    return "venv" in program or ("/bin/" in program and not program.startswith(SYSTEM_BIN))


def made_venv(run: Instruction) -> bool:
    """``python3 -m venv …`` or ``virtualenv …`` in the ``RUN``."""
    return any(
        (PYTHON.match(c.program) and "venv" in c.argv[1:3]) or c.program == "virtualenv"
        for c in run.commands
    )


def venv_on_path(run: Instruction) -> bool:
    """``ENV PATH=/opt/venv/bin:$PATH`` (or ``VIRTUAL_ENV``) in effect."""
    path = run.variables.get("PATH") or ""
    return bool(run.variables.get("VIRTUAL_ENV")) or "venv" in path


def other_python(
    dockerfile: Dockerfile, runs: list[Instruction], found: tuple[str, str, str]
) -> Iterator[Problem]:
    """A second Python installed with apt, then the distribution's pip3/python3 used."""
    name, release, default = found
    extra = None
    for run in runs:
        for install in system_installs(run, "apt-get"):
            for word in install.packages:
                match = VERSIONED_PYTHON.match(word.text.split("=", 1)[0])
                if match and match[1] != default:
                    extra = match[1]
        if any(redirects_python3(c) for c in run.commands):
            return
    if extra is None:
        return
    for run in runs:
        if venv_on_path(run) or made_venv(run):
            return
        for command in run.commands:
            if generic_python(command):
                yield Problem(
                    f"{command.words[0].text} is {name} {release}'s Python {default}, not the "
                    f"Python {extra} the image installs; use python{extra} -m pip (and "
                    f"python{extra} to run the app)",
                    command.words[0].span,
                )
    launch = start_command(dockerfile).launch
    if launch is not None and launch.file is None and launch.program in ("python3", "python"):
        word = launch.words[0]
        yield Problem(
            f"{word.text} runs {name} {release}'s Python {default}, not the Python "
            f"{extra} the image installs; run python{extra}",
            word.span,
        )


def generic_python(command: Command) -> bool:
    """``pip3``/``pip`` or ``python3 -m pip``: the distribution's default Python."""
    program = command.program
    if PIP.match(program):
        return program in ("pip", "pip3") and "install" in command.argv
    return program in ("python3", "python") and command.argv[1:3] == ["-m", "pip"]


def redirects_python3(command: Command) -> bool:
    """``update-alternatives --install /usr/bin/python3 …`` or ``ln -s … python3``."""
    argv = command.argv
    if command.program == "update-alternatives" and any(a.endswith("/python3") for a in argv):
        return True
    return command.program == "ln" and any(a.endswith(("/python3", "/python")) for a in argv)


RULE = Rule(
    id="D615",
    name="pip-system-python",
    severity=Severity.ERROR,
    summary="pip into an externally managed distro Python, or one Python installed, another used",
    check=check,
    tags=("serving", "python"),
)
