"""## What it does
Flags a final image built on a CUDA development image: `nvidia/cuda:*-devel-*` (also from
`nvcr.io`), `pytorch/pytorch:*-devel` and other images whose tag says `devel`, directly
or through the stages the final stage is built `FROM`. A `-devel` image in a builder
stage that the final stage only copies from is the right way and passes.

## Why it matters
The `-devel` images carry `nvcc`, the CUDA headers and static libraries, and the
compilers: several GB more than `-runtime`, pulled onto every GPU node on every
scale-up, with a larger attack surface. A model server needs the CUDA runtime libraries
only; kernels and extensions are compiled in a builder stage.

## Example
```dockerfile
FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04
COPY . /app
CMD ["python3", "/app/serve.py"]
```

## Instead
```dockerfile
FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04 AS build
RUN pip wheel --no-cache-dir -w /wheels flash-attn==2.6.3
FROM nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04
COPY --from=build /wheels /wheels
```

## Fix safety
No automatic fix yet: something in the image may compile at build or start time (a JIT
extension, `torch.compile` with Triton). The message names the `-runtime` tag, which is
what a fix would write.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

DEVEL = regex.compile(r"(^|[-_.])devel([-_.]|$)")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the FROM image of the final lineage when it is a -devel image."""
    for stage in build.dockerfile.final_lineage:
        if stage.parent_stage is not None:
            continue
        base, tag = stage.base, stage.base.tag or ""
        if not DEVEL.search(tag) or not cuda_image(base.name):
            continue
        words = stage.from_instruction.arguments
        runtime = base.with_tag(DEVEL.sub(r"\1runtime\2", tag, count=1))
        yield Problem(
            f"the final image is built on {base.raw}, a CUDA development image with "
            f"compilers and headers; build in a separate stage and run on {runtime}",
            words[0].span if words else stage.from_instruction.keyword_span,
        )


def cuda_image(name: str) -> bool:
    """True for CUDA images and the framework images built on them."""
    return any(part in name for part in ("cuda", "pytorch", "tensorflow", "nvidia", "mxnet"))


RULE = Rule(
    id="D608",
    name="cuda-devel-final",
    severity=Severity.WARNING,
    summary="the final stage is a CUDA -devel image (compilers and headers in production)",
    check=check,
    tags=("serving", "gpu", "size"),
)
