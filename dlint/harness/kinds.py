"""The kinds of check a spec can ask for: a registry, as the rules are one.

A kind is one record: its name, the spec key that turns it on (``section``), how it
expands to pytest items (one item, or one per element of that key with ``each``), and
what of the run its check needs (``needs``, each one session fixture). A kind registers
itself with ``@kind(...)`` on its check function, in the module that holds its checks;
``all_kinds()`` imports the modules of ``KIND_MODULES`` and lists the kinds in run order
(module order, then the order they are defined in). The check function's docstring says
what the check demands: docs/test-spec.md shows it (``dlint.harness.specdoc``).

Light: importing it imports no check module.
"""

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dlint.harness.spec import Spec

# What a check may ask of the run, and the session fixture that provides it:
#   lab      the run's Lab (lab.py), connected to the engine, nothing built yet
#   image    the Lab once the image under test is built (or found)
#   service  the main container (lab.Service), started and waited for, ready or not
#   ready    the main container, ready (lab.Ready); the check is skipped when it is not
NEEDS = {
    "lab": "dlint_lab",
    "image": "dlint_image",
    "service": "dlint_service",
    "ready": "dlint_service",
}
# The modules kinds register in, in the order their checks run.
KIND_MODULES = (
    "dlint.harness.lab",
    "dlint.harness.image_report",
    "dlint.harness.inside",
    "dlint.harness.gpu",
    "dlint.harness.contract",
    "dlint.harness.runtime",
)
# How ``each`` turns a key into (label, argument) pairs: the items' labels and what each
# item's check is called with.
Each = Callable[[Any, "Spec"], Iterable[tuple[str, Any]]]


class KindError(Exception):
    """Two kinds share a name, or a kind needs what no fixture provides."""


@dataclass(frozen=True, slots=True)
class CheckKind:
    """One kind of check: what turns it on, how it becomes items, what it needs."""

    name: str
    section: str | None
    """The spec key (``inside.files_present``) whose value turns it on; None: always on."""
    needs: tuple[str, ...]
    """Keys of ``NEEDS``; the check gets them in this order, after its argument."""
    check: Callable[..., None]
    """Called with the section's value (or one element of it), then what it needs."""
    each: Each | None = None
    """One item per (label, argument) this gives for the section's value: NAME[label]."""
    label: str = ""
    """What the label of an item names, for the docs: ``PATH`` in ``inside-present[PATH]``."""

    @property
    def doc(self) -> str:
        """What the check demands, in one line (its check function's docstring)."""
        return " ".join((self.check.__doc__ or "").split())

    @property
    def item(self) -> str:
        """How its items are named: ``inside-present[PATH]``, ``readiness``."""
        return f"{self.name}[{self.label}]" if self.each is not None else self.name

    def items(self, spec: "Spec") -> Iterator[tuple[str, tuple[Any, ...]]]:
        """Each item the spec asks for: its name, and the arguments before the fixtures."""
        if self.section is None:
            yield self.name, ()
            return
        value = spec.at(self.section)
        if value is None:
            return
        if self.each is None:
            yield self.name, (value,)
            return
        for label, argument in self.each(value, spec):
            yield f"{self.name}[{label}]", (argument,)


_registered: list[CheckKind] = []


def kind(
    name: str,
    section: str | None = None,
    needs: tuple[str, ...] = (),
    each: Each | None = None,
    label: str = "",
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as the check of kind ``name``."""
    unknown = [need for need in needs if need not in NEEDS]
    if unknown:
        raise KindError(f"check kind {name}: no fixture provides {', '.join(unknown)}")

    def register(check: Callable[..., None]) -> Callable[..., None]:
        if any(registered.name == name for registered in _registered):
            raise KindError(f"check kind {name} is registered twice")
        _registered.append(CheckKind(name, section, needs, check, each, label))
        return check

    return register


def elements(values: Iterable[Any], spec: "Spec") -> Iterator[tuple[str, Any]]:
    """``each`` for a list: one item per element, labelled with it."""
    return ((str(value), value) for value in values)


def entries(mapping: Mapping[str, Any], spec: "Spec") -> Iterator[tuple[str, Any]]:
    """``each`` for a mapping: one item per key, called with ``(key, value)``."""
    return ((name, (name, value)) for name, value in mapping.items())


def all_kinds() -> tuple[CheckKind, ...]:
    """Every kind, in run order (importing the modules they register in)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    order = {module: index for index, module in enumerate(KIND_MODULES)}
    strays = [k.name for k in _registered if k.check.__module__ not in order]
    if strays:
        raise KindError(f"check kinds outside KIND_MODULES: {', '.join(strays)}")
    found = sorted(
        enumerate(_registered), key=lambda pair: (order[pair[1].check.__module__], pair[0])
    )
    return tuple(registered for _, registered in found)
