"""Record classes: ``dataclasses.dataclass`` at a tenth of its start-up cost.

``dlint check`` on one file is a pre-commit hook's whole run, and Python's ``@dataclass``
takes about 2 ms per class to build (it compiles each generated method with its own
``exec``); the model, the findings and the recognisers define some sixty of them. This
``dataclass`` makes the same methods (``__init__`` with defaults, factories and
``__post_init__``, ``__repr__``, ``__eq__``, ``__hash__``, the frozen ``__setattr__`` and
``__delattr__``, ordering, ``__match_args__``) from one source text with one ``exec``, and
fills in ``__dataclass_fields__`` with real :class:`dataclasses.Field` objects, so
``dataclasses.fields``, ``replace`` and ``asdict`` work on its classes unchanged.

Only what dlint uses is made here: ``frozen`` and ``order``, fields with ``default``,
``default_factory``, ``init``, ``repr`` and ``compare``, no base class that is itself a
dataclass. Anything else (``slots``, ``kw_only``, ``ClassVar``/``InitVar`` annotations,
dataclass inheritance) is handed to ``dataclasses.dataclass`` itself, so a class never
silently gets the wrong methods.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

field = dataclasses.field
T = TypeVar("T", bound=type)

_MUTABLE_DEFAULTS = (list, dict, set)


@overload
def dataclass(cls: T, /) -> T: ...


@overload
def dataclass(*, frozen: bool = False, order: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(
    cls: T | None = None, /, *, frozen: bool = False, order: bool = False
) -> T | Callable[[T], T]:
    """Make ``cls`` a dataclass, as ``dataclasses.dataclass(frozen=..., order=...)`` would."""

    def wrap(cls: T) -> T:
        return _process(cls, frozen, order)

    return wrap if cls is None else wrap(cls)


def _process(cls: T, frozen: bool, order: bool) -> T:
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    inherits = any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:])
    special = any(
        str(kind).startswith(("ClassVar", "InitVar", "typing.ClassVar", "dataclasses."))
        for kind in annotations.values()
    )
    if inherits or special or "__slots__" in cls.__dict__:
        return dataclasses.dataclass(frozen=frozen, order=order)(cls)  # type: ignore[return-value]
    fields: dict[str, dataclasses.Field[Any]] = {}
    for name, kind in annotations.items():
        default = cls.__dict__.get(name, dataclasses.MISSING)
        spec: dataclasses.Field[Any] = (
            default if isinstance(default, dataclasses.Field) else field(default=default)
        )
        if getattr(spec, "kw_only", dataclasses.MISSING) not in (dataclasses.MISSING, False):
            return dataclasses.dataclass(frozen=frozen, order=order)(cls)  # type: ignore[return-value]
        if isinstance(spec.default, _MUTABLE_DEFAULTS):
            raise ValueError(
                f"mutable default {type(spec.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        spec.name = name
        spec.kw_only = False
        spec.type = kind
        spec._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
        fields[name] = spec
        if isinstance(default, dataclasses.Field):
            if spec.default is dataclasses.MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
    namespace: dict[str, Any] = {
        "_MISSING": dataclasses.MISSING,
        "_FrozenError": dataclasses.FrozenInstanceError,
        "_object": object,
        "_cls": cls,
    }
    lines = _methods(cls, list(fields.values()), frozen, order, namespace)
    exec("\n".join(lines), namespace)
    cls.__dataclass_fields__ = fields  # type: ignore[attr-defined]
    cls.__dataclass_params__ = _params(frozen, order)  # type: ignore[attr-defined]
    for name in ("__init__", "__repr__", "__eq__", *_ORDER):
        if name in namespace and name not in cls.__dict__:
            _attach(cls, name, namespace[name])
    if order:
        for name in _ORDER:
            if name in cls.__dict__ and cls.__dict__[name] is not namespace[name]:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    _hash(cls, fields, frozen, namespace)
    if frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in cls.__dict__:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
            _attach(cls, name, namespace[name])
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(f.name for f in fields.values() if f.init)  # type: ignore[attr-defined, misc]
    if cls.__doc__ is None:
        cls.__doc__ = f"{cls.__name__}({', '.join(fields)})"
    return cls


def _params(frozen: bool, order: bool) -> object:
    """The ``__dataclass_params__`` that ``dataclasses`` itself reads (on a subclass)."""
    params = object.__new__(dataclasses._DataclassParams)  # type: ignore[attr-defined]
    values = {"init": True, "repr": True, "eq": True, "match_args": True}
    values |= {"order": order, "frozen": frozen}
    for name in dataclasses._DataclassParams.__slots__:  # type: ignore[attr-defined]
        setattr(params, name, values.get(name, False))
    return params


_ORDER = ("__lt__", "__le__", "__gt__", "__ge__")


def _attach(cls: type, name: str, function: Any) -> None:
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    setattr(cls, name, function)


def _methods(
    cls: type,
    fields: list[dataclasses.Field[Any]],
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
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            namespace[factory] = f.default_factory
        elif f.default is not dataclasses.MISSING:
            namespace[value] = f.default
        if f.init:
            if has_factory:
                params.append(f"{f.name}=_MISSING")
                seen_default = True
                expr = f"{factory}() if {f.name} is _MISSING else {f.name}"
            elif f.default is not dataclasses.MISSING:
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
        elif f.default is not dataclasses.MISSING:
            expr = value
        else:
            continue
        if frozen:
            body.append(f"  _object.__setattr__(self, {f.name!r}, {expr})")
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


def _hash(
    cls: type, fields: dict[str, dataclasses.Field[Any]], frozen: bool, namespace: dict[str, Any]
) -> None:
    """``__hash__`` as ``dataclass(eq=True)`` sets it: from the fields when frozen, else None.

    A class that defines its own ``__hash__`` keeps it.
    """
    class_hash = cls.__dict__.get("__hash__", dataclasses.MISSING)
    explicit = class_hash is not dataclasses.MISSING and not (
        class_hash is None and "__eq__" in cls.__dict__
    )
    if explicit:
        return
    if frozen:
        _attach(cls, "__hash__", namespace["__hash__"])
    else:
        cls.__hash__ = None  # type: ignore[assignment]
