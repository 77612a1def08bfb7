"""dlint reads common requirement specs without ``packaging`` and must agree with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from dlint.requirements import is_pinned_spec, requirement_name


def reference(spec: str) -> tuple[bool, str | None]:
    """What packaging says: pinned to one version, and the normalised name."""
    text = spec.split(";", 1)[0].strip()
    try:
        parsed = Requirement(text)
    except InvalidRequirement:
        return "==" in text and "*" not in text, None
    exact = [s for s in parsed.specifier if s.operator in ("==", "===")]
    pinned = bool(parsed.url) or (bool(exact) and not any(s.version.endswith("*") for s in exact))
    return pinned, canonicalize_name(parsed.name)


@pytest.mark.parametrize(
    "spec",
    [
        "flask==3.0.3",
        "Flask_Login==0.6",
        "numpy>=1.2,<2",
        "torch==2.*",
        "x===1.0",
        "requests[security]==2.31.0",
        "a==1.0 ; python_version<'3.8'",
        "foo",
        "foo==bar",
        "A.B-C==1",
        "x == 1.0",
        "x==1.0,!=1.0.1",
        "x~=1.2",
        "x==1.0+local",
        "x==v1",
    ],
)
def test_common_specs_agree_with_packaging(spec: str) -> None:
    """Pinned or not, and the name, exactly as packaging reads them."""
    assert (is_pinned_spec(spec), requirement_name(spec)) == reference(spec)


NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)
VERSIONS = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\.\*|rc[0-9]|\+local)?", fullmatch=True)
OPERATORS = st.sampled_from(["==", "===", "~=", "!=", "<=", ">=", "<", ">"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(NAMES, st.lists(st.tuples(OPERATORS, VERSIONS), max_size=3), st.booleans())
def test_generated_specs_agree_with_packaging(name, specs, spaced) -> None:
    """Generated name/specifier combinations read the same as packaging reads them."""
    joiner = ", " if spaced else ","
    spec = name + joiner.join(f"{op}{version}" for op, version in specs)
    assert (is_pinned_spec(spec), requirement_name(spec)) == reference(spec)
