"""docs/peers.md lists every peer check and the dlint rule that covers it, and stays true."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dlint.rule import find_rule

REPO = Path(__file__).resolve().parent.parent


def peers_module():
    """scripts/peers.py, the page's generator."""
    spec = importlib.util.spec_from_file_location("peers", REPO / "scripts" / "peers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_peer_check_is_covered_or_explained() -> None:
    """A peer code with no rule must say why; a new peer code cannot be forgotten."""
    assert peers_module().uncovered() == []


def test_peers_page_is_up_to_date() -> None:
    """docs/peers.md equals what the generator writes (python scripts/peers.py --write)."""
    assert (REPO / "docs" / "peers.md").read_text() == peers_module().render()


def test_covered_codes_resolve_through_find_rule() -> None:
    """Every covered code works where users write it: config, inline ignores, explain."""
    module = peers_module()
    for _, checks in module.PEERS:
        for code in checks:
            if code not in module.NOT_COVERED:
                assert find_rule(code) is not None, code
