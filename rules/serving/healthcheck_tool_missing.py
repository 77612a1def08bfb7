"""## What it does
Flags a `HEALTHCHECK` that runs `curl`, `wget`, `nc`/`netcat` or `http` (httpie) in a
final image that does not have it: no package install of it along the final stage's
lineage (`apt-get`, `apk`, `dnf`… and not removed again in the same `RUN`), no `COPY` of
a binary by that name, and a base image known to lack it. dlint knows what the common
images ship: the `-slim` variants of the official language images, `debian`, `ubuntu`,
`nvidia/cuda` (its Dockerfiles purge curl), distroless and `scratch` have none of these;
`alpine`, `busybox` and the `-alpine` variants have busybox `wget` and `nc` but no
`curl`; the full official language images (buildpack-deps) have `curl` and `wget`. A
base image it does not know is never judged.

## Why it matters
The check then fails with "executable file not found" or `curl: not found` on every
probe: the container is reported unhealthy although the model serves, and an
orchestrator that trusts the health status restarts it in a loop or never routes traffic
to it. Installing curl only for the probe adds a binary, its libraries and its CVEs; the
interpreter the service already has can make the request.

## Example
```dockerfile
FROM python:3.11-slim
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
```

## Instead
```dockerfile
FROM python:3.11-slim
HEALTHCHECK CMD ["python", "-c", \
    "import urllib.request; urllib.request.urlopen('http://localhost:8000/health', timeout=2)"]
```

## Fix safety
Unsafe: what the `HEALTHCHECK` runs (from its `CMD` on; the options are kept) becomes the
probe in the image's language (Python's `urllib`, Node's `fetch`) with the URL of the
original check. The check then passes where it always failed, and only a 2xx/3xx answer
counts as healthy (as `curl -f` does).
"""

from collections.abc import Iterator

from dlint import regex
from dlint.app import last, script_commands
from dlint.commands import kept_packages, pip_installs
from dlint.edits import exec_array
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Dockerfile, ImageRef, Instruction, Word
from dlint.rule import Rule

FULL_URL = regex.compile(r"https?://[^\s'\"]+")

PROVIDES = {
    "curl": {"curl"},
    "wget": {"wget"},
    "netcat": {"nc", "netcat"},
    "netcat-openbsd": {"nc", "netcat"},
    "netcat-traditional": {"nc", "netcat"},
    "nmap-ncat": {"nc"},
    "ncat": {"nc"},
    "busybox": {"wget", "nc"},
    "busybox-extras": {"nc"},
    "httpie": {"http"},
}
TOOLS = frozenset({"curl", "wget", "nc", "netcat", "http"})
BUSYBOX = frozenset({"wget", "nc"})
LANGUAGE_IMAGES = frozenset({"python", "node", "ruby", "golang", "php", "perl", "rust"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the HEALTHCHECK program the final image does not have."""
    dockerfile = build.dockerfile
    healthcheck = last(dockerfile, "HEALTHCHECK")
    lineage = dockerfile.final_lineage
    if healthcheck is None or not lineage:
        return
    shipped = base_tools(lineage[-1].base)
    if shipped is None:
        return
    program = probe_program(healthcheck)
    if program is None or program.text.rsplit("/", 1)[-1] not in TOOLS:
        return
    name = program.text.rsplit("/", 1)[-1]
    if name in shipped or name in installed_tools(dockerfile):
        return
    url = FULL_URL.search(healthcheck.value)
    yield Problem(
        f"the HEALTHCHECK runs {name}, which {lineage[-1].base.raw} does not ship and the "
        f"image never installs; {own_probe(dockerfile, url[0] if url else None)}",
        program.span,
        probe_fix(dockerfile, healthcheck, url[0] if url else None),
    )


def probe_program(healthcheck: Instruction) -> Word | None:
    """The first program of ``HEALTHCHECK CMD …`` (exec or shell form)."""
    value = healthcheck.value
    index = value.upper().find("CMD")
    if index < 0:
        return None
    rest = value[index + 3 :]
    start = index + 3
    if rest.strip().startswith("["):
        import json

        try:
            words = json.loads(rest)
        except ValueError:
            return None
        if not words or not isinstance(words[0], str):
            return None
        offset = value.find(f'"{words[0]}"', start)
        if offset < 0:
            return None
        return Word(
            words[0], f'"{words[0]}"', healthcheck.locate(offset, offset + len(words[0]) + 2)
        )
    commands = script_commands(" " * start + rest, healthcheck.locate)
    programs = [c.words[0] for c in commands if c.words and c.program in TOOLS]
    return programs[0] if programs else None


def base_tools(base: ImageRef) -> frozenset[str] | None:
    """The probe tools a base image ships, or None when dlint does not know the image."""
    if base.is_scratch or "distroless" in f"{base.registry or ''}/{base.name}":
        return frozenset()
    if base.registry not in (None, "docker.io", "index.docker.io"):
        return None
    name = base.name.removeprefix("library/")
    tag = (base.tag or "latest").lower()
    if name in LANGUAGE_IMAGES:
        if "alpine" in tag:
            return BUSYBOX
        return frozenset() if "slim" in tag else frozenset({"curl", "wget"})
    if name in ("alpine", "busybox"):
        return BUSYBOX
    if name in ("debian", "ubuntu", "nvidia/cuda"):
        return frozenset()
    return None


def installed_tools(dockerfile: Dockerfile) -> set[str]:
    """Tools the final image installs (and keeps) or copies in by name."""
    found: set[str] = set()
    for run in dockerfile.in_final_image("RUN"):
        for package in kept_packages(run):
            found |= PROVIDES.get(package.name, set())
        for pip in pip_installs(run):
            if any(w.text.lower().startswith("httpie") for w in pip.packages):
                found.add("http")
    for instruction in dockerfile.in_final_image("COPY", "ADD"):
        copy = dockerfile.copy_of(instruction)
        if copy is None:
            continue
        names = {copy.destination.rstrip("/").rsplit("/", 1)[-1]}
        names |= {s.text.rstrip("/").rsplit("/", 1)[-1] for s in copy.sources}
        found |= names & TOOLS
    return found


def own_probe(dockerfile: Dockerfile, url: str | None) -> str:
    """A probe in the language the image already has."""
    argv = probe_argv(dockerfile, url or "http://localhost:<port>/health")
    if argv is None:
        return "install it in the final stage or probe with a program the image has"
    return f"probe with the interpreter instead: HEALTHCHECK CMD {exec_array(argv)}"


def probe_argv(dockerfile: Dockerfile, target: str) -> list[str] | None:
    """The exec-form probe of ``target`` in the image's own language, if it has one."""
    base = dockerfile.final_lineage[-1].base.name.rsplit("/", 1)[-1]
    if "python" in base or any("python" in i.value for i in dockerfile.in_final_image("RUN")):
        code = f"import urllib.request; urllib.request.urlopen('{target}', timeout=2)"
        return ["python" if "python" in base else "python3", "-c", code]
    if "node" in base:
        code = f"fetch('{target}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
        return ["node", "-e", code]
    return None


def probe_fix(dockerfile: Dockerfile, healthcheck: Instruction, url: str | None) -> Fix | None:
    """Replace what ``HEALTHCHECK … CMD`` runs with the probe in the image's language."""
    argv = probe_argv(dockerfile, url) if url else None
    value = healthcheck.value
    index = value.upper().find("CMD")
    if argv is None or index < 0:
        return None
    span = healthcheck.locate(index, len(value.rstrip()))
    edit = Edit(span, f"CMD {exec_array(argv)}")
    return Fix(
        "probe with the image's own language",
        (edit,),
        False,
        span.start.line != span.end.line,
        changes=("Healthcheck",),
    )


RULE = Rule(
    id="D607",
    name="healthcheck-tool-missing",
    severity=Severity.ERROR,
    summary="the HEALTHCHECK runs curl/wget/nc, which the final image does not have",
    check=check,
    fixable=True,
    tags=("serving", "runtime"),
)
