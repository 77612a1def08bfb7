"""## What it does
Flags a GPU framework install that disagrees with the base image of the final stage
(installs along the final stage's lineage, on the command line or in the requirements
files they read):

- a CUDA base (`nvidia/cuda`, or any image with `cuda` in its name or tag) that installs
  `torch` from PyPI or the PyTorch index, or `tensorflow[and-cuda]`: those wheels bring
  their own CUDA libraries (`nvidia-cublas-cu12`, `nvidia-cudnn-cu12`…), so the image
  carries CUDA twice;
- a base without CUDA (`python`, `debian`, `ubuntu`…) that runs `pip install torch`
  without the CPU index (`--index-url https://download.pytorch.org/whl/cpu`) or a `+cpu`
  version: pip pulls about 3 GB of `nvidia-*` wheels. If the service really uses a GPU
  this way, say so with an ignore comment;
- a wheel built for a newer CUDA than the base has (`torch==2.3.1+cu121` or
  `…/whl/cu121` on `nvidia/cuda:11.8.0-…`).

## Why it matters
CUDA libraries are the bulk of an ML image: cuDNN, cuBLAS and friends are 2 to 4 GB. Twice
is slower pulls and scale-ups on every GPU node; on a CPU service they are pure waste,
and a wheel newer than the base's CUDA may need a newer driver than the nodes have,
failing only at the first `torch.cuda` call in production.

## Example
```dockerfile
FROM python:3.11-slim
RUN pip install --no-cache-dir torch==2.3.1      # a CPU service
```

## Instead
```dockerfile
FROM python:3.11-slim
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.3.1
```
For a GPU service, either a slim base plus the PyPI wheel (which brings CUDA), or a CUDA
`-runtime` base plus a framework built against it — not both.

## Fix safety
No automatic fix: whether the service needs a GPU is yours to say. The finding points at
the package and names the index or base that would agree with the rest.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import package_command, pip_installs
from dlint.finding import Problem, Severity
from dlint.model import Build, ImageRef, Word
from dlint.rule import Rule

CPU_INDEX = regex.compile(r"download\.pytorch\.org/whl/cpu")
WHEEL_CUDA = regex.compile(r"(?:\+cu|/whl/cu)(\d{2,3})\b")
BASE_CUDA = regex.compile(r"(?:^|cuda)(\d{2})\.(\d)")
INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--index")
# Bases known to have no CUDA; an unknown base (a team's GPU image) is never judged.
CPU_BASES = frozenset(
    {"python", "debian", "ubuntu", "alpine", "amazonlinux", "fedora", "rockylinux", "almalinux"}
)
INDEX_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL")
TORCH = regex.compile(r"^torch(?:[=<>~!\s;\[]|$)", re.IGNORECASE)
TF_CUDA = regex.compile(r"^tensorflow\[[^\]]*and-cuda", re.IGNORECASE)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each GPU framework package that disagrees with the base."""
    dockerfile = build.dockerfile
    lineage = dockerfile.final_lineage
    if not lineage:
        return
    base = lineage[-1].base
    base_cuda = cuda_of_base(base)
    runs = dockerfile.in_final_image("RUN")
    for run in runs:
        for pip in pip_installs(run):
            found = package_command(pip.command)
            indexes = [v.text for v in found.values(*INDEX_OPTIONS)] if found else []
            indexes += [
                run.variables.get(n) or "" for n in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")
            ]
            for word in pip.packages:
                problem = judge(word, word.text, indexes, base, base_cuda, command_line=True)
                if problem:
                    yield problem
    for requirements in build.requirements:
        if requirements.installed_by not in runs or requirements.constraint:
            continue
        for requirement in requirements.requirements:
            word = Word(requirement.spec, requirement.spec, requirement.span)
            problem = judge(word, requirement.spec, [], base, base_cuda, command_line=False)
            if problem:
                yield Problem(problem.message, problem.span, file=requirements.path)


def judge(
    word: Word,
    spec: str,
    indexes: list[str],
    base: ImageRef,
    base_cuda: tuple[int, int] | None,
    command_line: bool,
) -> Problem | None:
    """The disagreement between one framework package and the base, if any."""
    torch = bool(TORCH.match(spec))
    if not torch and not TF_CUDA.match(spec):
        return None
    wheel = WHEEL_CUDA.search(spec) or next((m for m in map(WHEEL_CUDA.search, indexes) if m), None)
    cpu = "+cpu" in spec or any(CPU_INDEX.search(i) for i in indexes)
    name = spec.split("=", 1)[0].split("[", 1)[0].strip()
    if base_cuda is not None and not cpu:
        if wheel is not None:
            digits = wheel[1]
            wheel_cuda = (int(digits[:-1]), int(digits[-1]))
            if wheel_cuda > base_cuda:
                return Problem(
                    f"{name} is built for CUDA {wheel_cuda[0]}.{wheel_cuda[1]}, newer than the "
                    f"base image's {base_cuda[0]}.{base_cuda[1]} ({base.raw}); use a wheel for "
                    f"cu{base_cuda[0]}{base_cuda[1]} or a newer base",
                    word.span,
                )
        return Problem(
            f"{name}'s wheels bring their own CUDA libraries, and {base.raw} already has CUDA: "
            "the image carries it twice; build on a base without CUDA (python:*-slim) or use "
            "the framework the base image ships",
            word.span,
        )
    known_cpu = base.registry is None and base.name.removeprefix("library/") in CPU_BASES
    if base_cuda is None and known_cpu and torch and not cpu and wheel is None and command_line:
        return Problem(
            f"pip install {spec} on {base.raw}, which has no CUDA, pulls about 3 GB of "
            "nvidia-* CUDA wheels; for a CPU service add --index-url "
            "https://download.pytorch.org/whl/cpu",
            word.span,
        )
    return None


def cuda_of_base(base: ImageRef) -> tuple[int, int] | None:
    """The CUDA version of a CUDA base image (``(12, 1)``); (0, 0) when it has CUDA of an
    unknown version; None for a base without CUDA."""
    text = f"{base.name}:{base.tag or ''}".lower()
    if "cuda" not in text:
        return None
    match = BASE_CUDA.search((base.tag or "").lower())
    if match is None:
        return (0, 0)
    return int(match[1]), int(match[2])


RULE = Rule(
    id="D614",
    name="cuda-mismatch",
    severity=Severity.WARNING,
    summary="GPU framework and base image disagree: CUDA twice, CUDA wheels on CPU, newer CUDA",
    check=check,
    tags=("serving", "gpu", "size"),
)
