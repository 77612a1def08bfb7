"""Load and validate a ``dlint test`` spec file (schema: spec-schema.json, docs/test-spec.md)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from dlint.config import load_yaml, read_config_text

SPEC_NAMES = ("dlint-test.yaml", "dlint-test.yml")
DEFAULT_READINESS_TIMEOUT = 60.0


class SpecError(Exception):
    """The spec file is missing or invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Spec:
    """A validated spec: where it lives, the build context it describes, and its data."""

    path: Path
    context: Path
    data: dict[str, Any]

    @property
    def dockerfile(self) -> str:
        """Dockerfile path relative to the context."""
        return self.data.get("build", {}).get("dockerfile", "Dockerfile")

    @property
    def image(self) -> str | None:
        """The already built image the spec names instead of a build, if it names one."""
        return self.data.get("image")

    @property
    def build_args(self) -> dict[str, str]:
        """Build arguments (``--build-arg``)."""
        return dict(self.data.get("build", {}).get("args", {}))

    @property
    def build_secrets(self) -> tuple[str, ...]:
        """Build secrets as ``docker buildx build --secret`` values; files are absolute."""
        values = []
        for secret in self.data.get("build", {}).get("secrets", []):
            if "src" in secret:
                values.append(f"id={secret['id']},src={self.path.parent / secret['src']}")
            else:
                values.append(f"id={secret['id']},env={secret['env']}")
        return tuple(values)

    @property
    def service(self) -> dict[str, Any]:
        """The ``service`` section: port, env, limits, readiness."""
        return self.data["service"]

    @property
    def readiness_timeout(self) -> float:
        """Seconds to wait for the service to become ready."""
        return float(self.service.get("readiness", {}).get("timeout", DEFAULT_READINESS_TIMEOUT))

    @property
    def inside(self) -> dict[str, Any]:
        """Expectations checked inside the running container."""
        return self.data.get("inside", {})

    @property
    def http(self) -> list[dict[str, Any]]:
        """The HTTP contract: named request/expectation pairs."""
        return self.data.get("http", [])

    @property
    def runtime(self) -> dict[str, Any]:
        """Runtime proofs: cached rebuild, graceful stop, arbitrary uid."""
        return self.data.get("runtime", {})


@cache
def _schema() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "spec-schema.json").read_text())


def find_spec(directory: Path, explicit: Path | None) -> Path:
    """The spec file: ``explicit`` if given, else the first standard name in ``directory``."""
    if explicit is not None:
        return explicit
    for name in SPEC_NAMES:
        if (directory / name).is_file():
            return directory / name
    raise SpecError(f"{directory}: no spec file found (expected one of {', '.join(SPEC_NAMES)})")


def _key(path: Any) -> str:
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else f".{part}"
    return key.lstrip(".") or "(top level)"


def _validate_schema(path: Path, data: Any) -> None:
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(_schema()).iter_errors(data)
    )
    if error is not None:
        raise SpecError(f"{path}: {_key(error.absolute_path)}: {error.message}")


def _require_file(spec_path: Path, key: str, file: Path) -> None:
    if not file.is_file():
        raise SpecError(f"{spec_path}: {key}: file {file} does not exist")


def _validate_build(spec: Spec) -> None:
    _require_file(spec.path, "build.dockerfile", spec.context / spec.dockerfile)
    for index, secret in enumerate(spec.data.get("build", {}).get("secrets", [])):
        if "src" in secret:
            _require_file(
                spec.path, f"build.secrets[{index}].src", spec.path.parent / secret["src"]
            )


def _validate_references(spec: Spec) -> None:
    rebuilds = "cached_rebuild" in spec.runtime
    names = [case["name"] for case in spec.http]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SpecError(f"{spec.path}: http: duplicate case names {', '.join(duplicates)}")
    if spec.image is None:
        _validate_build(spec)
    for key, present in (("build", "build" in spec.data), ("runtime.cached_rebuild", rebuilds)):
        if spec.image is not None and present:
            raise SpecError(
                f"{spec.path}: {key}: the spec names an image ({spec.image}), so nothing is built"
            )
    if "packages_lock" in spec.inside:
        _require_file(
            spec.path, "inside.packages_lock", spec.context / spec.inside["packages_lock"]
        )
    rebuild = spec.runtime.get("cached_rebuild")
    if rebuild:
        _require_file(spec.path, "runtime.cached_rebuild.edit", spec.context / rebuild["edit"])


def load_spec(path: Path, context: Path) -> Spec:
    """Read, validate and return the spec at ``path`` for the build context ``context``."""
    # The same bounded reader as .dlint.yaml: a spec is just as much user input.
    data = load_yaml(read_config_text(path, SpecError), path, SpecError)
    _validate_schema(path, data)
    spec = Spec(path=path, context=context, data=data)
    _validate_references(spec)
    return spec
