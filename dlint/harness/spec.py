"""The ``dlint test`` spec: typed, frozen, built once from the validated YAML.

Every key of the spec is declared once, here, as a field of one of the records below:
its documentation, its JSON Schema (the constraints) and its default. From those come the
JSON Schema the spec is validated with (``schema()``, published as
``dlint/schemas/dlint-test.schema.json``), the key tables of docs/test-spec.md
(``dlint.harness.specdoc``) and the objects the harness reads (``load_spec``). No other
module reads the YAML: after validation the data is turned into these records, and the
rest of the harness reads only them.

JSON values the spec passes through (a request's ``json`` body, ``json_subset``,
``json_schema``) are kept as YAML read them, inside the frozen records; nothing changes
them.
"""

import json
import types
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from dlint.config import load_yaml, read_config_text

T = TypeVar("T")
SPEC_NAMES = ("dlint-test.yaml", "dlint-test.yml")
SCHEMA_ID = "urn:dlint:schema:dlint-test"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
SIZE = {
    "oneOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*([kKMGT]i?B?|B)?\\s*$"},
    ]
}


class SpecError(Exception):
    """The spec file is missing or invalid; the message names the file and the key."""


def key(doc: str, schema: Mapping[str, Any] | None = None, **default: Any) -> Any:
    """A key of the spec: what it means, its JSON Schema, and its default (``default=`` or
    ``default_factory=``; a key without one is required)."""
    return field(metadata={"doc": " ".join(doc.split()), "schema": dict(schema or {})}, **default)


def _empty() -> Mapping[str, str]:
    return types.MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Json:
    """A JSON value the spec gives (``null`` included), as YAML read it."""

    value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Secret:
    """One build secret: a file (relative to the spec) or an environment variable."""

    SCHEMA: ClassVar[dict[str, Any]] = {"oneOf": [{"required": ["src"]}, {"required": ["env"]}]}

    id: str = key(
        "the id `RUN --mount=type=secret,id=ID` reads it by",
        {"type": "string", "pattern": NAME_PATTERN},
    )
    src: str | None = key(
        "a file holding the secret, relative to the spec",
        {"type": "string", "minLength": 1},
        default=None,
    )
    env: str | None = key(
        "an environment variable of `dlint test` holding the secret",
        {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        default=None,
    )

    def buildx_value(self, spec_folder: Path) -> str:
        """``docker buildx build --secret`` value; a file is made absolute."""
        if self.src is not None:
            return f"id={self.id},src={spec_folder / self.src}"
        return f"id={self.id},env={self.env}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Build:
    """How the build context is built."""

    dockerfile: str = key(
        "the Dockerfile, relative to DIR", {"type": "string"}, default="Dockerfile"
    )
    args: Mapping[str, str] = key(
        "build arguments (`--build-arg`), strings", STRINGS, default_factory=_empty
    )
    secrets: tuple[Secret, ...] = key(
        "build secrets (BuildKit only), read by `RUN --mount=type=secret,id=ID`: from a file "
        "(`src`, relative to the spec) or an environment variable (`env`)",
        {"type": "array"},
        default=(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    """When the service counts as ready."""

    timeout: float = key(
        "seconds to wait for readiness (`--timeout` overrides)",
        {"type": "number", "exclusiveMinimum": 0},
        default=60,
    )
    http: str | None = key(
        "path that must answer 200; without it the image's `HEALTHCHECK` must report `healthy`",
        {"type": "string", "pattern": "^/"},
        default=None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """How the image is run: every container of the run starts this way."""

    port: int = key(
        "container port the service listens on",
        {"type": "integer", "minimum": 1, "maximum": 65535},
    )
    env: Mapping[str, str] = key(
        "extra environment variables (string values)", STRINGS, default_factory=_empty
    )
    memory: str = key(
        "memory limit", {"type": "string", "pattern": "^[0-9]+[kmg]?$"}, default="512m"
    )
    pids: int = key("process limit", {"type": "integer", "minimum": 8}, default=256)
    gpus: str | int | None = key(
        "`all` or a number: run with `--gpus` and check the framework sees one",
        {"oneOf": [{"const": "all"}, {"type": "integer", "minimum": 1}]},
        default=None,
    )
    readiness: Readiness = key("when the service counts as ready", default_factory=Readiness)


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """The user PID 1 must run as."""

    uid: int | None = key("effective uid of PID 1", {"type": "integer", "minimum": 1}, default=None)
    gid: int | None = key("effective gid of PID 1", {"type": "integer", "minimum": 0}, default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inside:
    """Expectations checked inside the running container."""

    user: User | None = key(
        "PID 1 runs as a user other than root (with this uid and gid, when given)", default=None
    )
    pid1: str | None = key(
        "text PID 1's command line contains", {"type": "string", "minLength": 1}, default=None
    )
    files_present: tuple[str, ...] = key(
        "paths that must exist",
        {"type": "array", "items": {"type": "string", "pattern": "^/"}},
        default=(),
    )
    files_absent: tuple[str, ...] = key(
        "paths or recursive globs nothing may match",
        {"type": "array", "items": {"type": "string", "pattern": "^/"}},
        default=(),
    )
    commands_absent: tuple[str, ...] = key(
        "commands that must not be on the container's `PATH`",
        {"type": "array", "items": {"type": "string", "minLength": 1}},
        default=(),
    )
    packages_lock: str | None = key(
        "a lock file (relative to DIR) whose `name==version` pins are exactly what is installed",
        {"type": "string"},
        default=None,
    )
    env: Mapping[str, str] = key(
        "variables PID 1's environment must have, with these values",
        STRINGS,
        default_factory=_empty,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One HTTP request to the service."""

    SCHEMA: ClassVar[dict[str, Any]] = {
        "not": {
            "anyOf": [
                {"required": ["json", "body"]},
                {"required": ["json", "body_bytes"]},
                {"required": ["body", "body_bytes"]},
            ]
        }
    }

    method: str = key(
        "`GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` or `OPTIONS`",
        {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]},
        default="GET",
    )
    path: str = key(
        "starts with `/`; sent to the service's port (`http://127.0.0.1:<published port>`, or "
        "from a helper container on a remote engine)",
        {"type": "string", "pattern": "^/"},
    )
    headers: Mapping[str, str] = key(
        "map of strings",
        {"type": "object", "additionalProperties": {"type": "string"}},
        default_factory=_empty,
    )
    json: Json | None = key(
        "any YAML value, sent as JSON with `Content-Type: application/json` unless `headers` "
        "sets one",
        default=None,
    )
    body: str | None = key(
        "raw text body (for malformed JSON, NaN literals, other content types)",
        {"type": "string"},
        default=None,
    )
    body_bytes: int | None = key(
        "send this many space bytes (for body-size limits)",
        {"type": "integer", "minimum": 1},
        default=None,
    )
    chunked: bool = key(
        "`true`: send the body with `Transfer-Encoding: chunked` and no `Content-Length` (a "
        "size limit must then hold while reading)",
        {"type": "boolean"},
        default=False,
    )

    def payload(self) -> bytes | None:
        """The body to send: the JSON, the text or the spaces the request gives, if any."""
        if self.json is not None:
            return json.dumps(self.json.value).encode()
        if self.body is not None:
            return self.body.encode()
        if self.body_bytes is not None:
            return b" " * self.body_bytes
        return None

    def header_map(self) -> dict[str, str]:
        """The headers to send: the spec's, and a JSON content type for a JSON body."""
        headers = dict(self.headers)
        if self.json is not None:
            headers.setdefault("Content-Type", "application/json")
        return headers


@dataclass(frozen=True, slots=True, kw_only=True)
class Expect:
    """What the answer to a request must be."""

    status: int = key("exact status code", {"type": "integer", "minimum": 100, "maximum": 599})
    content_type: str | None = key(
        "the `Content-Type` header starts with this", {"type": "string"}, default=None
    )
    json_subset: Json | None = key(
        "the JSON body contains this: objects need the listed keys (recursively), lists need "
        "the same length and matching items, scalars must be equal (`true` never equals `1`)",
        default=None,
    )
    json_schema: dict[str, Any] | None = key(
        "the JSON body validates against this JSON Schema (2020-12)",
        {"type": "object"},
        default=None,
    )
    max_ms: float | None = key(
        "latency budget in milliseconds for the whole exchange",
        {"type": "number", "exclusiveMinimum": 0},
        default=None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """A request and what its answer must be."""

    request: Request = key("the request")
    expect: Expect = key("what the answer must be")


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpCase:
    """One named exchange of the HTTP contract."""

    name: str = key(
        "unique; letters, digits, `_`, `.` and `-`", {"type": "string", "pattern": NAME_PATTERN}
    )
    request: Request = key("the request")
    expect: Expect = key("what the answer must be")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageBudgets:
    """Budgets for what the image is made of."""

    max_size: int | str | None = key(
        "largest image size: bytes, or `500MB`, `1.5GB`, `512MiB`", SIZE, default=None
    )
    max_wasted_bytes: int | str | None = key(
        "most bytes wasted on files a later layer overwrites or deletes", SIZE, default=None
    )
    min_efficiency: float | None = key(
        "lowest efficiency, 0 to 1", {"type": "number", "minimum": 0, "maximum": 1}, default=None
    )
    forbid_paths: tuple[str, ...] = key(
        "paths (everything below them) and globs (`*` crosses folders) the final filesystem "
        "must not have",
        {"type": "array", "items": {"type": "string", "pattern": "^[/*]"}},
        default=(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedRebuild:
    """Rebuild after a code edit: the dependency layers must come from the cache."""

    edit: str = key(
        "an application source file (relative to DIR) the edit appends to", {"type": "string"}
    )
    expect_cached: tuple[str, ...] = key(
        "texts of the steps that must come from the cache",
        {"type": "array", "minItems": 1, "items": {"type": "string"}},
    )
    max_seconds: float | None = key(
        "longest the rebuild may take", {"type": "number", "exclusiveMinimum": 0}, default=None
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GracefulStop:
    """``docker stop`` while a request is in flight."""

    env: Mapping[str, str] = key(
        "environment added to this container (a test hook that keeps a request in flight)",
        STRINGS,
        default_factory=_empty,
    )
    exchange: Exchange = key("the request in flight, and what its answer must be")
    stop_after: float = key(
        "seconds from sending the request to `docker stop`",
        {"type": "number", "minimum": 0},
        default=0.5,
    )
    grace: int = key(
        "seconds `docker stop` waits before it kills", {"type": "integer", "minimum": 1}, default=10
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ArbitraryUid:
    """The image run as a uid it was not built for."""

    user: str = key(
        "`UID[:GID]`, a non-zero uid", {"type": "string", "pattern": "^[1-9][0-9]*(:[0-9]+)?$"}
    )
    exchange: Exchange = key("a request, and what its answer must be")


@dataclass(frozen=True, slots=True, kw_only=True)
class IdleConnections:
    """Connections that never send a byte must not starve the service."""

    connections: int = key(
        "how many idle TCP connections to open", {"type": "integer", "minimum": 1, "maximum": 256}
    )
    exchange: Exchange = key("the request sent while they are open, and what its answer must be")


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanLog:
    """The service's log has no line that looks like an error."""

    forbid: tuple[str, ...] = key(
        "regular expressions (Python `re`) no log line may match",
        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime:
    """Runtime proofs."""

    cached_rebuild: CachedRebuild | None = key(
        "rebuild after a code edit; the dependency layers must come from the cache", default=None
    )
    graceful_stop: GracefulStop | None = key("`docker stop` with a request in flight", default=None)
    arbitrary_uid: ArbitraryUid | None = key(
        "run as an arbitrary non-root uid (as OpenShift does)", default=None
    )
    idle_connections: IdleConnections | None = key(
        "idle connections must not starve the service", default=None
    )
    clean_log: CleanLog | None = key("no error lines in the service's log", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """A validated spec: where it lives, the build context it describes, and its keys."""

    path: Path = field()
    context: Path = field()
    version: int = key("always `1`", {"const": 1})
    image: str | None = key(
        "an image that already exists (or can be pulled) to test instead of building DIR; "
        "excludes `build` and `runtime.cached_rebuild`",
        {"type": "string", "minLength": 1, "pattern": "^[^\\s]+$"},
        default=None,
    )
    build: Build | None = key(
        "how to build DIR: its Dockerfile, build arguments and secrets", default=None
    )
    service: Service = key("how to run the image")
    inside: Inside = key(
        "expectations checked inside the running container", default_factory=Inside
    )
    image_report: ImageBudgets = key(
        "budgets for what the image is made of", default_factory=ImageBudgets
    )
    http: tuple[HttpCase, ...] = key(
        "the HTTP contract: a list of named exchanges", {"type": "array"}, default=()
    )
    runtime: Runtime = key(
        "runtime proofs: cached rebuild, graceful stop, arbitrary uid, idle connections, a "
        "clean log",
        default_factory=Runtime,
    )

    @property
    def dockerfile(self) -> str:
        """Dockerfile path relative to the context (``build.dockerfile``)."""
        return (self.build or NO_BUILD).dockerfile

    @property
    def build_args(self) -> dict[str, str]:
        """Build arguments (``--build-arg``)."""
        return dict((self.build or NO_BUILD).args)

    @property
    def build_secrets(self) -> tuple[str, ...]:
        """Build secrets as ``docker buildx build --secret`` values; files are absolute."""
        secrets = (self.build or NO_BUILD).secrets
        return tuple(secret.buildx_value(self.path.parent) for secret in secrets)

    def at(self, dotted: str) -> Any:
        """The value of a key given as ``section.key`` (``inside.files_present``)."""
        value: Any = self
        for part in dotted.split("."):
            value = getattr(value, part)
        return value


NO_BUILD = Build()


# --- from the validated data to the records -------------------------------------------


def keys(cls: type) -> Iterator[tuple[Field[Any], Any]]:
    """The spec keys of a record, in order, each with its type."""
    hints = get_type_hints(cls)
    for each in fields(cls):
        if "doc" in each.metadata:
            yield each, hints[each.name]


def optional(hint: Any) -> Any:
    """``X`` for ``X | None``; the hint itself otherwise."""
    if get_origin(hint) in (Union, types.UnionType):
        others = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(others) == 1:
            return others[0]
    return hint


def is_record(hint: Any) -> bool:
    """True for the records of this module that are sections of the spec (not ``Json``)."""
    return (
        isinstance(hint, type)
        and is_dataclass(hint)
        and hint.__module__ == __name__
        and hint is not Json
    )


def element_type(hint: Any) -> Any:
    """``X`` for ``tuple[X, ...]``; None for any other type."""
    if get_origin(hint) is tuple:
        return get_args(hint)[0]
    return None


def _value(hint: Any, data: Any) -> Any:
    hint = optional(hint)
    if hint is Json:
        return Json(value=data)
    if is_record(hint):
        return from_data(hint, data)
    item = element_type(hint)
    if item is not None:
        return tuple(_value(item, each) for each in data)
    if get_origin(hint) is Mapping:
        return types.MappingProxyType(dict(data))
    return data


def from_data(cls: type[T], data: Mapping[str, Any], **outside: Any) -> T:
    """The record ``cls`` from (schema-valid) data; absent keys take their defaults.
    ``outside`` gives the fields that are not keys of the spec (its path, its context)."""
    values = {f.name: _value(hint, data[f.name]) for f, hint in keys(cls) if f.name in data}
    return cls(**values, **outside)


# --- the JSON Schema -------------------------------------------------------------------


def required(each: Field[Any]) -> bool:
    """True for a key the spec must give (it has no default)."""
    return each.default is MISSING and each.default_factory is MISSING


def _default(each: Field[Any]) -> Any:
    """The key's default as JSON, when it has a plain one (not a section, not None)."""
    if isinstance(each.default, str | int | float | bool):
        return each.default
    return MISSING


def _key_schema(each: Field[Any], hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    hint = optional(hint)
    schema: dict[str, Any] = {"description": each.metadata["doc"]}
    item = element_type(hint)
    if is_record(hint):
        schema["$ref"] = _define(hint, definitions)
    schema.update(each.metadata["schema"])
    if item is not None and is_record(item):
        schema["items"] = {"$ref": _define(item, definitions)}
    default = _default(each)
    if default is not MISSING:
        schema["default"] = default
    return schema


def _object(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    properties = {}
    names = []
    for each, hint in keys(cls):
        properties[each.name] = _key_schema(each, hint, definitions)
        if required(each):
            names.append(each.name)
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if names:
        schema["required"] = names
    schema["properties"] = properties
    schema.update(getattr(cls, "SCHEMA", {}))
    return schema


def _define(cls: type, definitions: dict[str, Any]) -> str:
    if cls.__name__ not in definitions:  # a record used in several places is defined once
        definitions[cls.__name__] = _object(cls, definitions)
    return f"#/$defs/{cls.__name__}"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the spec (2020-12), made from the records above."""
    definitions: dict[str, Any] = {}
    body = _object(Spec, definitions)
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "dlint test spec (dlint-test.yaml)",
        "description": "How dlint test builds and runs an image, and what it checks: "
        "docs/test-spec.md.",
        **body,
        "$defs": dict(sorted(definitions.items())),
    }


# --- reading a spec file ---------------------------------------------------------------


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
    import jsonschema

    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema()).iter_errors(data)
    )
    if error is not None:
        raise SpecError(f"{path}: {_key(error.absolute_path)}: {error.message}")


def _require_file(spec_path: Path, key: str, file: Path) -> None:
    if not file.is_file():
        raise SpecError(f"{spec_path}: {key}: file {file} does not exist")


def _validate_build(spec: Spec) -> None:
    _require_file(spec.path, "build.dockerfile", spec.context / spec.dockerfile)
    for index, secret in enumerate((spec.build or NO_BUILD).secrets):
        if secret.src is not None:
            _require_file(spec.path, f"build.secrets[{index}].src", spec.path.parent / secret.src)


def _validate_references(spec: Spec) -> None:
    rebuild = spec.runtime.cached_rebuild
    names = [case.name for case in spec.http]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SpecError(f"{spec.path}: http: duplicate case names {', '.join(duplicates)}")
    if spec.image is None:
        _validate_build(spec)
    built = (("build", spec.build is not None), ("runtime.cached_rebuild", rebuild is not None))
    for name, present in built:
        if spec.image is not None and present:
            raise SpecError(
                f"{spec.path}: {name}: the spec names an image ({spec.image}), so nothing is built"
            )
    if spec.inside.packages_lock is not None:
        _require_file(spec.path, "inside.packages_lock", spec.context / spec.inside.packages_lock)
    if rebuild is not None:
        _require_file(spec.path, "runtime.cached_rebuild.edit", spec.context / rebuild.edit)


def load_spec(path: Path, context: Path) -> Spec:
    """Read, validate and return the spec at ``path`` for the build context ``context``."""
    # The same bounded reader as .dlint.yaml: a spec is just as much user input.
    data = load_yaml(read_config_text(path, SpecError), path, SpecError)
    _validate_schema(path, data)
    spec = from_data(Spec, data, path=path, context=context)
    _validate_references(spec)
    return spec
