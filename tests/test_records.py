"""dlint.records.dataclass makes the same classes as dataclasses.dataclass, only faster."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from dlint import records


def define(decorate: Any, **params: Any) -> type:
    """One class body, as the model writes them, decorated by ``decorate``."""

    @decorate(**params)
    class Span:
        """A place."""

        line: int
        column: int = 1
        tags: tuple[str, ...] = ()
        notes: list[str] = dataclasses.field(default_factory=list)
        text: str = dataclasses.field(default="", repr=False, compare=False)
        seen: int = dataclasses.field(init=False, repr=False, compare=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "seen", self.line * 2)

    return Span


@pytest.mark.parametrize("params", [{}, {"frozen": True}, {"frozen": True, "order": True}])
def test_records_behave_as_dataclasses(params: dict[str, bool]) -> None:
    ours, theirs = define(records.dataclass, **params), define(dataclasses.dataclass, **params)
    for cls in (ours, theirs):
        cls.__qualname__ = "Span"
    a, b = ours(3, 4, ("x",), ["n"], "t"), theirs(3, 4, ("x",), ["n"], "t")
    assert repr(a) == repr(b) == "Span(line=3, column=4, tags=('x',), notes=['n'])"
    assert a.seen == b.seen == 6
    assert ours(3) == ours(3, text="other") and ours(3) != ours(4)
    assert ours(3).notes is not ours(3).notes
    assert [f.name for f in dataclasses.fields(ours)] == [
        f.name for f in dataclasses.fields(theirs)
    ]
    assert dataclasses.replace(a, line=5) == ours(5, 4, ("x",), ["n"])
    assert dataclasses.replace(a, line=5).seen == 10
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert getattr(ours, "__match_args__") == getattr(theirs, "__match_args__")  # noqa: B009
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    if params.get("frozen"):
        assert hash(ours(3, notes=None)) == hash(ours(3, notes=None, text="z"))
        assert hash(ours(3, notes=None)) == hash(theirs(3, notes=None))
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'line'"):
            a.line = 9
        with pytest.raises(dataclasses.FrozenInstanceError):
            del a.line
        assert copy.deepcopy(a) == a
    else:
        a.line = 9
        assert a.line == 9
    if params.get("order"):
        assert ours(1) < ours(2) <= ours(2) and ours(3, 2) > ours(3, 1)
        assert sorted([ours(2), ours(1)]) == [ours(1), ours(2)]
    else:
        with pytest.raises(TypeError):
            _ = ours(1) < ours(2)


def test_a_required_field_after_a_default_is_refused_as_dataclasses_refuses_it() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @records.dataclass
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


def test_a_mutable_default_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @records.dataclass
        class Bad:
            a: list[int] = []  # noqa: RUF012


def test_what_it_does_not_make_goes_to_dataclasses_itself() -> None:
    @records.dataclass(frozen=True)
    class Base:
        a: int

    @records.dataclass(frozen=True)
    class Derived(Base):
        b: int = 2

    assert repr(Derived(1)).endswith("Derived(a=1, b=2)")
    assert [f.name for f in dataclasses.fields(Derived)] == ["a", "b"]
