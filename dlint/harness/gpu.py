"""GPUs for a spec that asks for them (``service.gpus``): pass them, prove the framework
sees one, and say "not run: no GPU" where the engine has none.

A GPU check is never passed without a GPU: on such an engine it is skipped with that
reason (JUnit shows it skipped), and the run cannot exit 0 (see ``session.exit_code``).
"""

from typing import TYPE_CHECKING, Any

import pytest

from dlint.harness.kinds import kind
from dlint.harness.verdict import expect

if TYPE_CHECKING:
    import docker

    from dlint.harness.lab import Lab, Service
    from dlint.harness.spec import Spec

NO_GPU = "not run: no GPU (the engine offers no NVIDIA runtime or GPU device)"
# Asks each framework the image has how many GPUs it sees; prints "framework count".
PROBE = """
import importlib.util, subprocess
def torch():
    import torch; return torch.cuda.device_count()
def tensorflow():
    import tensorflow as tf; return len(tf.config.list_physical_devices("GPU"))
def jax():
    import jax; return len([d for d in jax.devices() if d.platform == "gpu"])
def cupy():
    import cupy; return cupy.cuda.runtime.getDeviceCount()
for name, count in (("torch", torch), ("tensorflow", tensorflow), ("jax", jax), ("cupy", cupy)):
    if importlib.util.find_spec(name):
        print(name, count()); break
else:
    out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
    print("nvidia-smi", out.count("GPU "))
"""


def requested(spec: "Spec") -> bool:
    """True when the spec asks for GPUs."""
    return spec.service.gpus is not None


def available(client: "docker.DockerClient") -> bool:
    """True when the engine can give a container GPUs (an NVIDIA runtime is registered)."""
    return "nvidia" in (client.info().get("Runtimes") or {})


def device_requests(spec: "Spec") -> list[Any]:
    """``--gpus`` for the engine API: all GPUs or the number the spec asks for."""
    import docker.types

    wanted = spec.service.gpus
    assert wanted is not None, "device_requests asked for a spec without gpus"
    count = -1 if wanted == "all" else int(wanted)
    return [docker.types.DeviceRequest(count=count, capabilities=[["gpu"]])]


@kind("gpu-visible", section="service.gpus", needs=("lab", "service"))
def gpu_visible(gpus: str | int, lab: "Lab", service: "Service") -> None:
    """The image's framework (torch, tensorflow, jax, cupy, else `nvidia-smi -L`) sees at
    least one GPU; on an engine without a GPU it is skipped as "not run: no GPU"."""
    if not available(lab.client):
        pytest.skip(NO_GPU)
    ready = service.ready()
    code, output = ready.container.exec_run(["python", "-c", PROBE])
    data = output if isinstance(output, bytes) else b"".join(output)
    text = data.decode("utf-8", "replace").strip()
    expect(code == 0, f"the GPU probe failed (exit {code}): {text[-500:]}")
    framework, _, count = text.rpartition("\n")[2].partition(" ")
    expect(count.isdigit() and int(count) > 0, f"{framework} sees no GPU ({text[-300:]})")
