"""The image report: layers, wasted bytes, efficiency and ML bloat, named as such.

Most tests feed ``analyse`` a ``docker save`` archive written here (the classic layout the
engine streams); one builds a crafted image on the engine and runs ``dlint test`` on it,
budgets and all.
"""

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from dlint.harness.image_report import analyse, parse_size, path_matches

Files = dict[str, bytes | None]  # None: a whiteout of that path


def _tar(entries: Files) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, data in entries.items():
            name = path.lstrip("/")
            if data is None:
                folder, base = os.path.split(name)
                name = os.path.join(folder, f".wh.{base}")
                data = b""
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def saved_image(*layers: tuple[str, Files]) -> io.BytesIO:
    """A ``docker save`` archive of layers made by the given instructions."""
    names = [f"{i:064x}/layer.tar" for i in range(len(layers))]
    history: list[dict[str, object]] = [
        {"created_by": f"/bin/sh -c {instruction}"} for instruction, _ in layers
    ]
    history.insert(1, {"created_by": "/bin/sh -c #(nop)  ENV A=1", "empty_layer": True})
    config = {"history": history}
    manifest = [{"Config": "config.json", "Layers": names}]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        members = [(n, _tar(files)) for n, (_, files) in zip(names, layers, strict=True)]
        members += [
            ("config.json", json.dumps(config).encode()),
            ("manifest.json", json.dumps(manifest).encode()),
        ]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


BLOB = bytes(range(256)) * 40  # 10 kB, hashed for duplicates


def test_layers_carry_their_instruction_and_size():
    report = analyse(
        saved_image(
            ("base", {"/usr/bin/python3": b"x" * 5000}),
            ("pip install flask", {"/opt/venv/flask.py": b"y" * 3000}),
        )
    )
    assert [(x.instruction, x.size) for x in report.layers] == [
        ("RUN base", 5000),
        ("RUN pip install flask", 3000),
    ]
    assert report.largest_files[0].path == "/usr/bin/python3"
    assert report.final_bytes == 8000
    assert report.wasted_bytes == 0 and report.efficiency == 1.0


def test_deleted_and_overwritten_files_are_wasted_bytes():
    report = analyse(
        saved_image(
            ("download", {"/tmp/big.tar": b"z" * 6000, "/etc/app.conf": b"a" * 1000}),
            ("rm /tmp/big.tar", {"/tmp/big.tar": None}),
            ("edit config", {"/etc/app.conf": b"b" * 1000}),
        )
    )
    assert report.wasted_bytes == 7000
    assert [(w.path, w.how, w.layer, w.by_layer) for w in report.wasted] == [
        ("/tmp/big.tar", "deleted", 0, 1),
        ("/etc/app.conf", "overwritten", 0, 2),
    ]
    assert report.efficiency == pytest.approx(1 - 7000 / 8000)
    assert "/tmp/big.tar" not in report.paths


def test_a_deleted_folder_wastes_everything_below_it():
    report = analyse(
        saved_image(
            ("clone", {"/src/.git/objects/pack": b"p" * 4000, "/src/main.py": b"m" * 10}),
            ("rm -rf /src/.git", {"/src/.git": None}),
        )
    )
    assert report.wasted_bytes == 4000
    assert report.matching("*/.git") == []
    assert "git" not in report.bloat_kinds()


def test_every_ml_bloat_class_is_named():
    report = analyse(
        saved_image(
            (
                "copy",
                {
                    "/usr/local/lib/libcudart.so.12": b"c" * 2000,
                    "/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9": b"d",
                    "/usr/bin/gcc-12": b"g" * 100,
                    "/usr/include/python3.11/Python.h": b"h" * 100,
                    "/root/.cache/pip/http/ab/cd": b"p" * 300,
                    "/opt/conda/pkgs/numpy-1.26.tar.bz2": b"n" * 300,
                    "/app/.git/HEAD": b"ref: refs/heads/main\n",
                    "/app/tests/test_model.py": b"def test(): pass\n",
                    "/app/notebooks/explore.ipynb": b"{}",
                    "/app/__pycache__/app.cpython-311.pyc": b"\x00" * 50,
                    "/app/model.safetensors": BLOB,
                    "/opt/model/copy.safetensors": BLOB,
                    "/usr/bin/test": b"coreutils test, not a test suite",
                },
            ),
        )
    )
    kinds = report.bloat_kinds()
    assert kinds == {
        "cuda-without-gpu",
        "compilers-and-headers",
        "package-caches",
        "git",
        "tests",
        "notebooks",
        "pycache",
        "model-files",
        "duplicates",
    }
    by_kind = {b.kind: b for b in report.bloat}
    assert by_kind["cuda-without-gpu"].examples[0].path == "/usr/local/lib/libcudart.so.12"
    assert by_kind["cuda-without-gpu"].files == 2
    assert by_kind["package-caches"].files == 2
    assert [e.path for e in by_kind["tests"].examples] == ["/app/tests/test_model.py"]
    assert by_kind["duplicates"].size == len(BLOB)
    assert "/app/model.safetensors" in by_kind["duplicates"].why
    summary = "\n".join(report.summary_lines())
    assert "bloat cuda-without-gpu: 2 files" in summary
    assert "bloat duplicates: 1 files" in summary


def test_cuda_is_not_bloat_when_the_spec_asks_for_gpus():
    image: tuple[str, Files] = ("copy", {"/usr/local/lib/libcudart.so.12": b"c" * 2000})
    assert "cuda-without-gpu" in analyse(saved_image(image)).bloat_kinds()
    assert "cuda-without-gpu" not in analyse(saved_image(image), uses_gpu=True).bloat_kinds()


def test_a_clean_image_names_no_bloat():
    report = analyse(saved_image(("copy", {"/app/service/app.py": b"print(1)\n"})))
    assert report.bloat == ()


def test_largest_folders_skip_a_folder_that_is_one_subfolder():
    report = analyse(
        saved_image(
            ("install", {"/opt/venv/lib/big.so": b"b" * 9000, "/usr/lib/a.so": b"a" * 500}),
            ("copy", {"/usr/share/b": b"s" * 400}),
        )
    )
    folders = [f.path for f in report.largest_folders]
    assert "/opt/venv/lib" in folders
    assert "/opt" not in folders and "/opt/venv" not in folders
    assert folders.index("/opt/venv/lib") < folders.index("/usr")


def test_not_a_saved_image_is_a_value_error():
    with pytest.raises(ValueError, match=r"manifest\.json"):
        analyse(io.BytesIO(_tar({"/a": b"1"})))


@pytest.mark.parametrize(
    ("text", "size"),
    [
        (500, 500),
        ("500MB", 500_000_000),
        ("1.5 GB", 1_500_000_000),
        ("512MiB", 512 * 2**20),
        ("10kB", 10_000),
        ("7", 7),
    ],
)
def test_sizes_read_as_people_write_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("path", "pattern", "matches"),
    [
        ("/app/.git", "*/.git", True),
        ("/app/.git/HEAD", "/app/.git", True),
        ("/app/.github", "/app/.git", False),
        ("/root/.cache/pip/x", "/root/.cache/pip", True),
        ("/app/a/b.ipynb", "*.ipynb", True),
    ],
)
def test_forbidden_path_patterns(path, pattern, matches):
    assert path_matches(path, pattern) is matches


CRAFTED_DOCKERFILE = """\
FROM python:3.11-slim
COPY libcudart.so.12 /usr/local/lib/libcudart.so.12
COPY fake.h /usr/include/dlint/fake.h
COPY project /app
RUN python -m compileall -q /app \\
    && mkdir -p /root/.cache/pip/http && cp /app/model.pt /root/.cache/pip/http/blob
RUN head -c 300000 /dev/urandom > /tmp/download.bin
RUN rm /tmp/download.bin && cp /app/model.pt /app/model-copy.pt
WORKDIR /app
CMD ["python", "-m", "http.server", "8000"]
"""

CRAFTED_SPEC = """\
version: 1
service:
  port: 8000
  readiness: {http: /, timeout: 30}
image_report:
  max_size: 1MB
  max_wasted_bytes: 100kB
  min_efficiency: 0.999
  forbid_paths: ["*/.git", "/root/.cache/pip", "/app/service"]
"""


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    """A tiny image with every bloat class in it: a fake CUDA library, a header, a .git folder,
    tests, a notebook, byte code, a model and its duplicate, a pip cache, a deleted file."""
    context = tmp_path / "crafted"
    project = context / "project"
    for path, content in {
        "libcudart.so.12": b"\x7fELF fake CUDA runtime" * 100,
        "fake.h": b"int fake(void);\n",
        "project/.git/HEAD": b"ref: refs/heads/main\n",
        "project/tests/test_app.py": b"def test_app():\n    assert True\n",
        "project/explore.ipynb": b'{"cells": []}',
        "project/app.py": b"print('serving')\n",
        "project/model.pt": os.urandom(20_000),
        "Dockerfile": CRAFTED_DOCKERFILE.encode(),
        "dlint-test.yaml": CRAFTED_SPEC.encode(),
    }.items():
        (context / path).parent.mkdir(parents=True, exist_ok=True)
        (context / path).write_bytes(content)
    assert project.is_dir()
    return context


@pytest.mark.docker
def test_crafted_image_report_and_budgets_on_the_engine(
    docker_client, dlint_test, crafted, leftovers, tmp_path
):
    record = tmp_path / "run.json"
    result = dlint_test(str(crafted), "--json", str(record))
    output = result.stdout + result.stderr
    assert result.code == 1, output
    assert result.failed == {
        "image-size",
        "image-wasted-bytes",
        "image-efficiency",
        "image-forbidden[*/.git]",
        "image-forbidden[/root/.cache/pip]",
    }, output
    assert "image-forbidden[/app/service] PASSED" in result.stdout
    assert "budget 1.0 MB" in result.stdout
    assert "/tmp/download.bin (300.0 kB, layer 5, deleted in layer 6)" in result.stdout
    for kind in (
        "cuda-without-gpu",
        "compilers-and-headers",
        "git",
        "tests",
        "notebooks",
        "pycache",
        "model-files",
        "package-caches",
        "duplicates",
    ):
        assert f"bloat {kind}:" in result.stdout, kind
    data = json.loads(record.read_text())
    report = data["image_report"]
    assert report["wasted_bytes"] >= 300_000
    assert report["layers"][1]["instruction"].startswith("COPY ")
    assert {b["kind"] for b in report["bloat"]} >= {"cuda-without-gpu", "git", "duplicates"}
    assert leftovers(result.run_id) == []
