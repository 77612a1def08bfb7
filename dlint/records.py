"""Record classes: ``dataclasses.dataclass`` at a fraction of its start-up cost.

``dlint check`` on one file is a pre-commit hook's whole run. Python's ``@dataclass``
takes about 2 ms per class to build (it compiles each generated method with its own
``exec``), and importing :mod:`dataclasses` imports :mod:`inspect` (another 15 ms); the
model, the findings and the recognisers define some sixty record classes. This
``dataclass`` makes the same methods (``__init__`` with defaults, factories and
``__post_init__``, ``__repr__``, ``__eq__``, ``__hash__``, the frozen ``__setattr__`` and
``__delattr__``, ordering, ``__match_args__``) from one source text whose compiled code is
kept between runs (as ``__pycache__`` keeps a module's), and never imports
:mod:`dataclasses`. Its classes carry ``__dataclass_fields__`` and
``__dataclass_params__`` in the shapes :mod:`dataclasses` reads, so ``dataclasses.fields``,
``replace``, ``asdict`` and a ``dataclasses.dataclass`` subclass work on them unchanged;
:func:`field`, :func:`fields` and :func:`replace` here do the same without the import.

Only what dlint uses is made here: ``frozen`` and ``order``, fields with ``default``,
``default_factory``, ``init``, ``repr``, ``hash`` and ``compare``, no base class that is
itself a dataclass. Anything else (``slots``, ``kw_only``, ``ClassVar``/``InitVar``
annotations, dataclass inheritance) is handed to ``dataclasses.dataclass`` itself, so a
class never silently gets the wrong methods.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType
from typing import Any, TypeVar, dataclass_transform, overload

from dlint.startcache import Store

T = TypeVar("T", bound=type)
R = TypeVar("R")

_MUTABLE_DEFAULTS = (list, dict, set)


class _Nothing:
    """No default (``dataclasses.MISSING``, without importing :mod:`dataclasses`)."""

    def __repr__(self) -> str:
        return "MISSING"


_NOTHING: Any = _Nothing()


def _dataclasses() -> Any:
    import dataclasses

    return dataclasses


class Field:
    """A field of a record class, read as :class:`dataclasses.Field` is read.

    ``default`` and ``default_factory`` are ``dataclasses.MISSING`` when unset, and
    ``_field_type`` is ``dataclasses._FIELD``; both are looked up only when :mod:`dataclasses`
    asks (it is imported by then), so making a record never imports it.
    """

    __slots__ = (
        "_default",
        "_factory",
        "compare",
        "hash",
        "init",
        "kw_only",
        "metadata",
        "name",
        "repr",
        "type",
    )

    def __init__(
        self,
        default: Any = _NOTHING,
        default_factory: Any = _NOTHING,
        init: bool = True,
        repr: bool = True,
        hash: bool | None = None,
        compare: bool = True,
        metadata: Any = None,
    ) -> None:
        if default is not _NOTHING and default_factory is not _NOTHING:
            raise ValueError("cannot specify both default and default_factory")
        self.name: str = ""
        self.type: Any = None
        self._default, self._factory = default, default_factory
        self.init, self.repr, self.hash, self.compare = init, repr, hash, compare
        self.metadata = {} if metadata is None else metadata
        self.kw_only = False

    @property
    def default(self) -> Any:
        return _dataclasses().MISSING if self._default is _NOTHING else self._default

    @property
    def default_factory(self) -> Any:
        return _dataclasses().MISSING if self._factory is _NOTHING else self._factory

    @property
    def _field_type(self) -> Any:
        return _dataclasses()._FIELD

    def __repr__(self) -> str:
        return (
            f"Field(name={self.name!r},type={self.type!r},default={self._default!r},"
            f"default_factory={self._factory!r},init={self.init!r},repr={self.repr!r},"
            f"hash={self.hash!r},compare={self.compare!r},metadata={self.metadata!r},"
            "kw_only=False)"
        )


def field(
    *,
    default: Any = _NOTHING,
    default_factory: Callable[[], Any] | Any = _NOTHING,
    init: bool = True,
    repr: bool = True,
    hash: bool | None = None,
    compare: bool = True,
    metadata: Any = None,
) -> Any:
    """A field with options, as ``dataclasses.field`` makes one (``kw_only`` aside)."""
    return Field(default, default_factory, init, repr, hash, compare, metadata)


class _Params:
    """``__dataclass_params__`` in the shape :mod:`dataclasses` reads on a subclass."""

    __slots__ = (
        "eq",
        "frozen",
        "init",
        "kw_only",
        "match_args",
        "order",
        "repr",
        "slots",
        "unsafe_hash",
        "weakref_slot",
    )

    def __init__(self, frozen: bool, order: bool) -> None:
        self.init = self.repr = self.eq = self.match_args = True
        self.order, self.frozen = order, frozen
        self.unsafe_hash = self.kw_only = self.slots = self.weakref_slot = False

    def __repr__(self) -> str:
        return f"_DataclassParams(frozen={self.frozen!r},order={self.order!r})"


def _made_here(record: Any) -> bool:
    """Whether this module made the class of ``record`` (not a subclass dataclasses made)."""
    cls = record if isinstance(record, type) else type(record)
    return bool(cls.__dict__.get("__dlint_record__", False))


def fields(record: Any) -> tuple[Any, ...]:
    """The fields of a record class or instance, in order (``dataclasses.fields``)."""
    if not _made_here(record):
        return tuple(_dataclasses().fields(record))
    return tuple(record.__dataclass_fields__.values())


def replace(record: R, /, **changes: Any) -> R:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace``)."""
    if not _made_here(record):
        return _dataclasses().replace(record, **changes)
    for name, spec in type(record).__dataclass_fields__.items():  # type: ignore[attr-defined]
        if not spec.init:
            if name in changes:
                raise ValueError(
                    f"field {name} is declared with init=False, it cannot be specified"
                )
            continue
        if name not in changes:
            changes[name] = getattr(record, name)
    return record.__class__(**changes)


def _frozen_error(message: str) -> BaseException:
    return _dataclasses().FrozenInstanceError(message)


@overload
def dataclass(cls: T, /) -> T: ...


@overload
def dataclass(*, frozen: bool = False, order: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(field_specifiers=(field, Field))
def dataclass(
    cls: T | None = None, /, *, frozen: bool = False, order: bool = False
) -> T | Callable[[T], T]:
    """Make ``cls`` a dataclass, as ``dataclasses.dataclass(frozen=..., order=...)`` would."""

    def wrap(cls: T) -> T:
        return _process(cls, frozen, order)

    return wrap if cls is None else wrap(cls)


def _foreign_field(value: Any) -> bool:
    """Whether ``value`` is a :class:`dataclasses.Field` (only possible once it is imported)."""
    module = sys.modules.get("dataclasses")
    return module is not None and isinstance(value, module.Field)


def _delegate(cls: T, frozen: bool, order: bool) -> T:
    return _dataclasses().dataclass(frozen=frozen, order=order)(cls)


def _process(cls: T, frozen: bool, order: bool) -> T:
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    inherits = any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:])
    special = any(
        str(kind).startswith(("ClassVar", "InitVar", "typing.ClassVar", "dataclasses."))
        for kind in annotations.values()
    )
    if inherits or special or "__slots__" in cls.__dict__:
        return _delegate(cls, frozen, order)
    specs: dict[str, Field] = {}
    for name, kind in annotations.items():
        default = cls.__dict__.get(name, _NOTHING)
        if _foreign_field(default):
            if default.kw_only not in (_dataclasses().MISSING, False):
                return _delegate(cls, frozen, order)
            missing = _dataclasses().MISSING
            default = Field(
                _NOTHING if default.default is missing else default.default,
                _NOTHING if default.default_factory is missing else default.default_factory,
                default.init,
                default.repr,
                default.hash,
                default.compare,
                default.metadata or None,
            )
        spec = default if isinstance(default, Field) else Field(default=default)
        if isinstance(spec._default, _MUTABLE_DEFAULTS):
            raise ValueError(
                f"mutable default {type(spec._default)} for field {name} is not allowed: "
                "use default_factory"
            )
        spec.name = name
        spec.type = kind
        specs[name] = spec
        if isinstance(default, Field):
            if spec._default is _NOTHING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec._default)
    namespace: dict[str, Any] = {
        "_MISSING": _NOTHING,
        "_FrozenError": _frozen_error,
        # Looked up once, not on every field of every frozen record made.
        "_setattr": object.__setattr__,
        "_cls": cls,
    }
    lines = _methods(cls, list(specs.values()), frozen, order, namespace)
    exec(_compiled("\n".join(lines)), namespace)
    cls.__dataclass_fields__ = specs  # type: ignore[attr-defined]
    cls.__dataclass_params__ = _Params(frozen, order)  # type: ignore[attr-defined]
    cls.__dlint_record__ = True  # type: ignore[attr-defined]
    for name in ("__init__", "__repr__", "__eq__", *_ORDER):
        if name in namespace and name not in cls.__dict__:
            _attach(cls, name, namespace[name])
    if order:
        for name in _ORDER:
            if name in cls.__dict__ and cls.__dict__[name] is not namespace[name]:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    _hash(cls, frozen, namespace)
    if frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in cls.__dict__:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
            _attach(cls, name, namespace[name])
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(f.name for f in specs.values() if f.init)  # type: ignore[attr-defined, misc]
    if cls.__doc__ is None:
        cls.__doc__ = f"{cls.__name__}({', '.join(specs)})"
    return cls


def _compiled(source: str) -> CodeType:
    """The code of ``source``: kept from an earlier run (:mod:`dlint.startcache`), else
    compiled and kept. Compiling the methods was nearly all of a record class's cost."""
    code = _METHODS.get(source)
    if not isinstance(code, CodeType):
        code = compile(source, "<dlint.records>", "exec")
        _METHODS.put(source, code)
    return code


_METHODS = Store("methods")


_ORDER = ("__lt__", "__le__", "__gt__", "__ge__")


def _attach(cls: type, name: str, function: Any) -> None:
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    setattr(cls, name, function)


def _methods(
    cls: type,
    fields: list[Field],
    frozen: bool,
    order: bool,
    namespace: dict[str, Any],
) -> list[str]:
    """The source of the generated methods; defaults and factories go into ``namespace``."""
    params: list[str] = []
    body: list[str] = []
    seen_default = False
    for f in fields:
        value = f"_dflt_{f.name}"
        factory = f"_factory_{f.name}"
        has_factory = f._factory is not _NOTHING
        if has_factory:
            namespace[factory] = f._factory
        elif f._default is not _NOTHING:
            namespace[value] = f._default
        if f.init:
            if has_factory:
                params.append(f"{f.name}=_MISSING")
                seen_default = True
                expr = f"{factory}() if {f.name} is _MISSING else {f.name}"
            elif f._default is not _NOTHING:
                params.append(f"{f.name}={value}")
                seen_default = True
                expr = f.name
            else:
                if seen_default:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
                params.append(f.name)
                expr = f.name
        elif has_factory:
            expr = f"{factory}()"
        elif f._default is not _NOTHING:
            expr = value
        else:
            continue
        if frozen:
            body.append(f"  _setattr(self, {f.name!r}, {expr})")
        else:
            body.append(f"  self.{f.name} = {expr}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    lines = [f"def __init__(self, {', '.join(params)}):".replace(", )", ")"), *body, "  pass"]
    shown = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in fields if f.repr)
    lines += ["def __repr__(self):", f'  return self.__class__.__qualname__ + f"({shown})"']
    compared = "".join(f"self.{f.name}," for f in fields if f.compare)
    other = compared.replace("self.", "other.")
    lines += [
        "def __eq__(self, other):",
        "  if other.__class__ is self.__class__:",
        f"    return ({compared}) == ({other})",
        "  return NotImplemented",
    ]
    if order:
        for name, op in zip(_ORDER, ("<", "<=", ">", ">="), strict=True):
            lines += [
                f"def {name}(self, other):",
                "  if other.__class__ is self.__class__:",
                f"    return ({compared}) {op} ({other})",
                "  return NotImplemented",
            ]
    hashed = "".join(f"self.{f.name}," for f in fields if (f.compare if f.hash is None else f.hash))
    lines += ["def __hash__(self):", f"  return hash(({hashed}))"]
    if frozen:
        names = "".join(f"{f.name!r}," for f in fields)
        for name, call in (("__setattr__", "name, value"), ("__delattr__", "name")):
            lines += [
                f"def {name}(self, {call}):",
                f"  if type(self) is _cls or name in ({names}):",
                '    raise _FrozenError(f"cannot assign to field {name!r}")'
                if name == "__setattr__"
                else '    raise _FrozenError(f"cannot delete field {name!r}")',
                f"  super(_cls, self).{name}({call})",
            ]
    return lines


def _hash(cls: type, frozen: bool, namespace: dict[str, Any]) -> None:
    """``__hash__`` as ``dataclass(eq=True)`` sets it: from the fields when frozen, else None.

    A class that defines its own ``__hash__`` keeps it.
    """
    class_hash = cls.__dict__.get("__hash__", _NOTHING)
    explicit = class_hash is not _NOTHING and not (class_hash is None and "__eq__" in cls.__dict__)
    if explicit:
        return
    if frozen:
        _attach(cls, "__hash__", namespace["__hash__"])
    else:
        cls.__hash__ = None  # type: ignore[assignment]
