"""What an image is made of: layers, largest files and folders, wasted bytes, ML bloat.

The image is read as ``docker save`` streams it (a tar of layer tars, a config and a
``manifest.json``, in the classic or the OCI layout), with :mod:`tarfile` only. Layers are
replayed in order, whiteouts included, as the engine stacks them; a file that a later
layer overwrites or deletes still costs its bytes in the earlier one, and that is the
image's *wasted* space (dive's measure). ``analyse`` is pure (a byte stream in, a report
out); ``report_for_image`` fetches the stream from the engine.
"""

import fnmatch
import hashlib
import io
import json
import posixpath
import re
import tarfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from dlint.harness.kinds import elements, kind
from dlint.harness.verdict import expect

if TYPE_CHECKING:
    from dlint.harness.lab import Lab

# Files smaller than this are never hashed: a duplicate of a few bytes costs nothing.
MIN_DUPLICATE_BYTES = 1024
# A member of the saved tar this small is read into memory to tell JSON from a layer.
SMALL_MEMBER = 1 << 20
TOP = 10
EXAMPLES = 3
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True)
class FileEntry:
    """A regular file (or symlink) of a layer: where, how big, which layer, its hash."""

    path: str
    size: int
    layer: int
    digest: str | None = None


@dataclass(frozen=True)
class Layer:
    """One filesystem layer and the instruction that made it."""

    index: int
    instruction: str
    size: int
    files: int


@dataclass(frozen=True)
class Wasted:
    """Bytes a layer added that a later one overwrote or deleted."""

    path: str
    size: int
    layer: int
    by_layer: int
    how: str  # "overwritten" or "deleted"


@dataclass(frozen=True)
class Bloat:
    """One kind of ML-image bloat found in the final filesystem."""

    kind: str
    title: str
    why: str
    files: int
    size: int
    examples: tuple[FileEntry, ...]


@dataclass(frozen=True)
class Folder:
    """A folder of the final filesystem and the bytes of every file below it."""

    path: str
    size: int


@dataclass(frozen=True)
class ImageReport:
    """Everything the report says about one image."""

    total_size: int
    layers: tuple[Layer, ...]
    final_files: int
    final_bytes: int
    largest_files: tuple[FileEntry, ...]
    largest_folders: tuple[Folder, ...]
    wasted: tuple[Wasted, ...]
    wasted_bytes: int
    efficiency: float
    bloat: tuple[Bloat, ...]
    paths: frozenset[str] = field(repr=False, default=frozenset())

    @property
    def layer_bytes(self) -> int:
        """Bytes of every file of every layer, before later layers hide any."""
        return sum(layer.size for layer in self.layers)

    def bloat_kinds(self) -> set[str]:
        """The kinds of bloat found, e.g. ``{"git", "pycache"}``."""
        return {b.kind for b in self.bloat}

    def matching(self, pattern: str) -> list[str]:
        """Final-filesystem paths (files and their folders) that ``pattern`` names."""
        return sorted(path for path in self.paths if path_matches(path, pattern))

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON data."""

        def entry(item: FileEntry) -> dict[str, Any]:
            return {"path": item.path, "size": item.size, "layer": item.layer}

        return {
            "total_size": self.total_size,
            "layer_bytes": self.layer_bytes,
            "final_files": self.final_files,
            "final_bytes": self.final_bytes,
            "wasted_bytes": self.wasted_bytes,
            "efficiency": round(self.efficiency, 4),
            "layers": [
                {"index": x.index, "instruction": x.instruction, "size": x.size, "files": x.files}
                for x in self.layers
            ],
            "largest_files": [entry(x) for x in self.largest_files],
            "largest_folders": [{"path": x.path, "size": x.size} for x in self.largest_folders],
            "wasted": [
                {
                    "path": x.path,
                    "size": x.size,
                    "layer": x.layer,
                    "by_layer": x.by_layer,
                    "how": x.how,
                }
                for x in self.wasted[:TOP]
            ],
            "bloat": [
                {
                    "kind": b.kind,
                    "title": b.title,
                    "why": b.why,
                    "files": b.files,
                    "size": b.size,
                    "examples": [entry(x) for x in b.examples],
                }
                for b in self.bloat
            ],
        }

    def summary_lines(self) -> list[str]:
        """Short lines for the ``dlint test`` summary."""
        lines = [
            f"image report: {human(self.total_size)} in {len(self.layers)} layers, "
            f"{self.final_files} files; wasted {human(self.wasted_bytes)} "
            f"(efficiency {self.efficiency:.1%})"
        ]
        for layer in sorted(self.layers, key=lambda x: -x.size)[:3]:
            lines.append(f"  layer {layer.index}: {human(layer.size)}  {short(layer.instruction)}")
        for bloat in self.bloat:
            example = ""
            if bloat.examples and bloat.kind != "duplicates":
                example = f"; e.g. {bloat.examples[0].path}"
            lines.append(
                f"  bloat {bloat.kind}: {bloat.files} files, {human(bloat.size)} "
                f"({bloat.why}{example})"
            )
        return lines


def human(size: float) -> str:
    """``1234567`` -> ``1.2 MB`` (decimal units, as ``docker images`` shows sizes)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def short(text: str, width: int = 80) -> str:
    """``text`` on one line, cut to ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[kKMGT]i?B?|B)?\s*$")


def parse_size(value: int | str) -> int:
    """Bytes from ``500000000``, ``"500MB"``, ``"1.5 GB"`` or ``"512MiB"``."""
    if isinstance(value, int):
        return value
    match = SIZE.match(value)
    if match is None:
        raise ValueError(f"not a size: {value!r} (write e.g. 500MB, 1.5GB or 512MiB)")
    unit = (match["unit"] or "").rstrip("B").upper()
    base = 1024 if unit.endswith("I") else 1000
    power = "BKMGT".index(unit[0]) if unit else 0
    return int(float(match["number"]) * base**power)


def path_matches(path: str, pattern: str) -> bool:
    """True when ``pattern`` names ``path``: a glob (``*`` crosses folders) or a folder
    or file given exactly (a folder names everything below it)."""
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    pattern = pattern.rstrip("/") or "/"
    return path == pattern or path.startswith(pattern.rstrip("/") + "/")


# --- reading docker save -------------------------------------------------------------


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks (the engine's ``docker save``)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        """Read ``chunks`` in order."""
        self.chunks: Iterator[bytes] = iter(chunks)
        self.pending = b""

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the pending chunk, fetching the next one when empty."""
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


@dataclass
class _LayerRead:
    files: list[FileEntry]
    deleted: list[str]  # paths a whiteout removes
    opaque: list[str]  # folders whose lower contents an opaque whiteout hides
    size: int


def _read_layer(stream: IO[bytes]) -> _LayerRead:
    layer = _LayerRead([], [], [], 0)
    with tarfile.open(fileobj=stream, mode="r|*") as tar:
        for member in tar:
            path = "/" + posixpath.normpath(member.name.lstrip("./")).lstrip("/")
            if path == "/.":
                continue
            folder, name = posixpath.split(path)
            if name == OPAQUE:
                layer.opaque.append(folder)
            elif name.startswith(WHITEOUT):
                layer.deleted.append(posixpath.join(folder, name[len(WHITEOUT) :]))
            elif member.isreg():
                layer.size += member.size
                digest = None
                if member.size >= MIN_DUPLICATE_BYTES:
                    digest = _digest(tar.extractfile(member))
                layer.files.append(FileEntry(path, member.size, -1, digest))
            elif member.issym():
                layer.files.append(FileEntry(path, 0, -1))
    return layer


def _digest(data: IO[bytes] | None) -> str | None:
    if data is None:
        return None
    digest = hashlib.blake2b(digest_size=16)
    while chunk := data.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Saved:
    layers: dict[str, _LayerRead] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)


def _read_saved(stream: IO[bytes]) -> _Saved:
    saved = _Saved()
    with tarfile.open(fileobj=stream, mode="r|") as outer:
        for member in outer:
            if not member.isreg():
                continue
            data = outer.extractfile(member)
            if data is None:
                continue
            if member.size <= SMALL_MEMBER:
                content = data.read()
                try:
                    saved.documents[member.name] = json.loads(content)
                    continue
                except ValueError:
                    data = io.BytesIO(content)
            try:
                saved.layers[member.name] = _read_layer(data)
            except tarfile.TarError:
                continue
    return saved


def instruction_text(created_by: str) -> str:
    """The Dockerfile instruction behind a history entry, as a person would write it."""
    text = created_by.strip()
    text = text.removesuffix("# buildkit").strip()
    if text.startswith("/bin/sh -c #(nop) "):
        return text.removeprefix("/bin/sh -c #(nop) ").strip()
    if text.startswith("/bin/sh -c "):
        return "RUN " + text.removeprefix("/bin/sh -c ")
    return text or "(unknown)"


def _instructions(config: dict[str, Any], count: int) -> list[str]:
    history = [h for h in config.get("history", []) if not h.get("empty_layer")]
    # `docker import` leaves no command, only the comment "Imported from -".
    texts = [instruction_text(h.get("created_by") or h.get("comment") or "") for h in history]
    if len(texts) != count:
        return ["(unknown)"] * count
    return texts


# --- the analysis --------------------------------------------------------------------


@dataclass(frozen=True)
class BloatKind:
    """A class of bloat: a name, a title, why it costs, and which files belong to it."""

    kind: str
    title: str
    why: str
    matches: Callable[[str], bool]


CUDA_LIBRARY = re.compile(
    r"^lib(cudart|cudnn\w*|cublas\w*|cufft\w*|curand|cusparse\w*|cusolver\w*|nccl|nvrtc\w*"
    r"|nvToolsExt|nvJitLink|cupti|nvidia-[\w-]+|cuda)\.so"
)
COMPILERS = re.compile(
    r"^((x86_64|aarch64)-linux-gnu-)?(gcc|g\+\+|cc|c\+\+|cpp|gfortran|clang|clang\+\+|ld|"
    r"ld\.bfd|ld\.gold|as|make|cc1|cc1plus|collect2|lto1)(-\d+)?$"
)
HEADER_SUFFIXES = (".h", ".hpp", ".hh", ".hxx")
MODEL_SUFFIXES = (
    ".pt",
    ".pth",
    ".onnx",
    ".safetensors",
    ".h5",
    ".hdf5",
    ".ckpt",
    ".joblib",
    ".pkl",
    ".pickle",
    ".gguf",
    ".ggml",
    ".tflite",
    ".keras",
    ".mlmodel",
    ".pdparams",
)
CACHE_PARTS = (
    "/.cache/pip/",
    "/.cache/uv/",
    "/.cache/pypoetry/",
    "/conda/pkgs/",
    "/.conda/pkgs/",
    "/.npm/_cacache/",
    "/var/cache/apt/archives/",
    "/var/lib/apt/lists/",
)


def _folders(path: str) -> list[str]:
    return path.split("/")[1:-1]


def _is_cuda(path: str) -> bool:
    name = posixpath.basename(path)
    return (
        bool(CUDA_LIBRARY.match(name))
        or "/site-packages/nvidia/" in path
        or path.startswith("/usr/local/cuda")
    )


def _is_compiler(path: str) -> bool:
    name = posixpath.basename(path)
    in_bin = posixpath.dirname(path) in ("/usr/bin", "/usr/local/bin", "/bin")
    return (
        (in_bin and bool(COMPILERS.match(name)))
        or path.startswith(("/usr/lib/gcc/", "/usr/libexec/gcc/"))
        or name.endswith(HEADER_SUFFIXES)
    )


def _is_cache(path: str) -> bool:
    return any(part in path for part in CACHE_PARTS) or path.startswith("/root/.cache/pip/")


def _is_model(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(MODEL_SUFFIXES) or bool(re.match(r"^pytorch_model.*\.bin$", name))


BLOAT_KINDS = (
    BloatKind(
        "cuda-without-gpu",
        "CUDA, cuDNN and NVIDIA libraries",
        "the spec runs this image without a GPU (no gpus:), so they are never loaded",
        _is_cuda,
    ),
    BloatKind(
        "compilers-and-headers",
        "compilers and C headers",
        "build tools belong in a builder stage",
        _is_compiler,
    ),
    BloatKind(
        "package-caches",
        "pip, conda and apt caches",
        "installers' download caches are never read at run time",
        _is_cache,
    ),
    BloatKind(
        "git",
        ".git folders",
        "version history is not part of a release",
        lambda p: ".git" in _folders(p),
    ),
    BloatKind(
        "tests",
        "test suites",
        "packages' and the project's tests never run in production",
        lambda p: any(part in ("tests", "test") for part in _folders(p)),
    ),
    BloatKind(
        "notebooks",
        "Jupyter notebooks",
        "notebooks are not served",
        lambda p: p.endswith(".ipynb") or ".ipynb_checkpoints" in _folders(p),
    ),
    BloatKind(
        "pycache",
        "__pycache__ and .pyc files",
        "byte code a build wrote; often stale",
        lambda p: p.endswith((".pyc", ".pyo")) or "__pycache__" in _folders(p),
    ),
    BloatKind(
        "model-files",
        "model files baked into the image",
        "every model update rebuilds and ships the whole image",
        _is_model,
    ),
)


def _bloat(kind: BloatKind, files: list[FileEntry], why: str | None = None) -> Bloat:
    files = sorted(files, key=lambda f: (-f.size, f.path))
    return Bloat(
        kind.kind,
        kind.title,
        why or kind.why,
        len(files),
        sum(f.size for f in files),
        tuple(files[:EXAMPLES]),
    )


def _duplicates(final: Iterable[FileEntry]) -> Bloat | None:
    groups: dict[tuple[int, str], list[FileEntry]] = defaultdict(list)
    for entry in final:
        if entry.digest is not None:
            groups[(entry.size, entry.digest)].append(entry)
    copies = [sorted(g, key=lambda f: f.path) for g in groups.values() if len(g) > 1]
    if not copies:
        return None
    extra = [copy for group in copies for copy in group[1:]]
    largest = max(copies, key=lambda g: g[0].size * (len(g) - 1))
    return Bloat(
        "duplicates",
        "duplicate copies of the same file",
        f"{len(copies)} contents stored more than once; largest: {largest[0].path} "
        f"= {largest[1].path}",
        len(extra),
        sum(f.size for f in extra),
        tuple(sorted(extra, key=lambda f: -f.size)[:EXAMPLES]),
    )


def _largest_folders(final: Iterable[FileEntry], depth: int = 5) -> tuple[Folder, ...]:
    """The largest folders, leaving out a folder that is mostly one subfolder (``/opt``
    when ``/opt/venv`` holds nearly all of it): the subfolder says more."""
    sizes: dict[str, int] = defaultdict(int)
    for entry in final:
        parts = _folders(entry.path)
        for level in range(1, min(depth, len(parts)) + 1):
            sizes["/" + "/".join(parts[:level])] += entry.size
    largest_child: dict[str, int] = defaultdict(int)
    for path, size in sizes.items():
        parent = posixpath.dirname(path)
        largest_child[parent] = max(largest_child[parent], size)
    telling = {p: s for p, s in sizes.items() if largest_child[p] < 0.9 * s}
    ranked = sorted(telling.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return tuple(Folder(path, size) for path, size in ranked)


def _remove(final: dict[str, FileEntry], prefix: str, keep_exact: bool = False) -> list[FileEntry]:
    gone = [
        entry
        for path, entry in final.items()
        if (path == prefix and not keep_exact) or path.startswith(prefix.rstrip("/") + "/")
    ]
    for entry in gone:
        del final[entry.path]
    return gone


def analyse(
    stream: IO[bytes], total_size: int | None = None, uses_gpu: bool = False
) -> ImageReport:
    """The report of the image whose ``docker save`` tar ``stream`` carries.

    ``uses_gpu``: the image is meant to run with GPUs, so CUDA libraries are not bloat.
    """
    saved = _read_saved(stream)
    manifest = saved.documents.get("manifest.json")
    if not isinstance(manifest, list) or not manifest:
        raise ValueError("not a docker save archive: no manifest.json")
    image = manifest[0]
    config = saved.documents.get(image.get("Config", ""), {})
    names = image.get("Layers", [])
    instructions = _instructions(config, len(names))
    final: dict[str, FileEntry] = {}
    layers: list[Layer] = []
    wasted: list[Wasted] = []
    for index, name in enumerate(names):
        read = saved.layers.get(name, _LayerRead([], [], [], 0))
        for folder in read.opaque:
            wasted += [
                Wasted(e.path, e.size, e.layer, index, "deleted")
                for e in _remove(final, folder, keep_exact=True)
            ]
        for path in read.deleted:
            wasted += [
                Wasted(e.path, e.size, e.layer, index, "deleted") for e in _remove(final, path)
            ]
        for entry in read.files:
            old = final.get(entry.path)
            if old is not None:
                wasted.append(Wasted(old.path, old.size, old.layer, index, "overwritten"))
            final[entry.path] = FileEntry(entry.path, entry.size, index, entry.digest)
        layers.append(Layer(index, instructions[index], read.size, len(read.files)))
    files = list(final.values())
    final_bytes = sum(f.size for f in files)
    layer_bytes = sum(layer.size for layer in layers)
    wasted_bytes = sum(w.size for w in wasted)
    bloat = [
        _bloat(kind, matched)
        for kind in BLOAT_KINDS
        if not (uses_gpu and kind.kind == "cuda-without-gpu")
        if (matched := [f for f in files if kind.matches(f.path)])
    ]
    duplicates = _duplicates(files)
    if duplicates is not None:
        bloat.append(duplicates)
    paths = {f.path for f in files}
    for path in list(paths):
        while (path := posixpath.dirname(path)) not in paths:
            paths.add(path)
    return ImageReport(
        total_size=total_size if total_size is not None else final_bytes,
        layers=tuple(layers),
        final_files=len(files),
        final_bytes=final_bytes,
        largest_files=tuple(sorted(files, key=lambda f: (-f.size, f.path))[:TOP]),
        largest_folders=_largest_folders(files),
        wasted=tuple(sorted(wasted, key=lambda w: (-w.size, w.path))),
        wasted_bytes=wasted_bytes,
        efficiency=1.0 if layer_bytes == 0 else 1 - wasted_bytes / layer_bytes,
        bloat=tuple(bloat),
        paths=frozenset(paths),
    )


def report_for_image(client: Any, image_id: str, uses_gpu: bool = False) -> ImageReport:
    """Save ``image_id`` from the engine and analyse it (a stream: nothing lands on disk)."""
    image = client.images.get(image_id)
    stream = io.BufferedReader(ChunkReader(image.save(chunk_size=1 << 20)), 1 << 20)
    return analyse(stream, int(image.attrs.get("Size", 0)), uses_gpu=uses_gpu)


# --- checks of a dlint test run ------------------------------------------------------

_reports: dict[str, ImageReport] = {}


def cached(image_id: str) -> ImageReport | None:
    """The report already made for ``image_id`` in this process, if any."""
    return _reports.get(image_id)


def report_of(lab: "Lab") -> ImageReport:
    """The report of the run's image, made once per run."""
    assert lab.image is not None, "the image report needs the built image"
    image_id = lab.image.image_id
    if image_id not in _reports:
        uses_gpu = lab.spec.service.gpus is not None
        lab.emit(f"image report: reading the layers of {lab.image.tag}")
        _reports[image_id] = report_for_image(lab.client, image_id, uses_gpu=uses_gpu)
    return _reports[image_id]


@kind("image-report", needs=("image",))
def whole_report(lab: "Lab") -> None:
    """Always there: reads the image as `docker save` streams it and prints the report in the
    summary (below)."""
    for line in report_of(lab).summary_lines():
        lab.emit(line)


@kind("image-size", section="image_report.max_size", needs=("image",))
def image_size(budget: int | str, lab: "Lab") -> None:
    """The image is at most `max_size` (bytes, or `500MB`, `1.5GB`, `512MiB`); a failure
    names the largest layers."""
    limit = parse_size(budget)
    report = report_of(lab)
    layers = sorted(report.layers, key=lambda x: -x.size)[:3]
    largest = "; ".join(f"{human(x.size)} {short(x.instruction, 60)}" for x in layers)
    expect(
        report.total_size <= limit,
        f"image is {human(report.total_size)}, budget {human(limit)}; largest layers: {largest}",
    )


@kind("image-wasted-bytes", section="image_report.max_wasted_bytes", needs=("image",))
def image_wasted_bytes(budget: int | str, lab: "Lab") -> None:
    """At most `max_wasted_bytes` are wasted; a failure names the largest wasted files and
    their layers."""
    limit = parse_size(budget)
    report = report_of(lab)
    worst = "; ".join(
        f"{w.path} ({human(w.size)}, layer {w.layer}, {w.how} in layer {w.by_layer})"
        for w in report.wasted[:EXAMPLES]
    )
    expect(
        report.wasted_bytes <= limit,
        f"{human(report.wasted_bytes)} wasted in layers that later layers overwrite or "
        f"delete, budget {human(limit)}; largest: {worst}",
    )


@kind("image-efficiency", section="image_report.min_efficiency", needs=("image",))
def image_efficiency(budget: float, lab: "Lab") -> None:
    """Efficiency (0 to 1) is at least `min_efficiency`."""
    floor = float(budget)
    report = report_of(lab)
    expect(
        report.efficiency >= floor,
        f"efficiency {report.efficiency:.1%}, budget at least {floor:.1%} "
        f"({human(report.wasted_bytes)} wasted of {human(report.layer_bytes)})",
    )


@kind("image-forbidden", "image_report.forbid_paths", ("image",), elements, "PATTERN")
def image_forbidden(pattern: str, lab: "Lab") -> None:
    """No path of the final filesystem matches: a glob (`*` crosses folders, e.g. `*/.git`)
    or a path (everything below it)."""
    found = report_of(lab).matching(pattern)
    shown = ", ".join(found[:EXAMPLES]) + (", …" if len(found) > EXAMPLES else "")
    expect(not found, f"{len(found)} forbidden paths in the image: {shown}")
