"""The README documents what the code offers: every rule, setting and format."""

from __future__ import annotations

from helpers import REPO

from dlint.config import KEYS
from dlint.report import FORMATS
from dlint.rule import all_rules

README = (REPO / "README.md").read_text()


def test_rules_table_is_the_catalogue() -> None:
    """The README's rules table is exactly ``dlint rules --format markdown``.

    After adding or changing a rule, paste that command's output over the table.
    """
    from dlint.catalogue import markdown_table

    start = README.index("\n| id | name | severity |") + 1
    end = README.index("\n\n", start) + 1
    stale = "README rules table is stale: paste `dlint rules --format markdown` over it"
    assert README[start:end] == markdown_table(all_rules()), stale


def test_rules_markdown_from_the_command_line() -> None:
    """``dlint rules --format markdown`` prints the table with a row per rule."""
    from helpers import run_dlint

    shown = run_dlint("rules", "--format", "markdown")
    assert shown.returncode == 0
    rows = shown.stdout.decode().splitlines()[2:]
    assert [row.split(" | ")[1].strip("`") for row in rows] == [r.name for r in all_rules()]


def test_every_setting_and_format_is_documented() -> None:
    """Each configuration key and each output format appears in the README."""
    for key in KEYS:
        assert f"\n{key}:" in README or f"{key}:" in README, key
    for name in FORMATS:
        assert f"| `{name}` |" in README, name


def fenced_block(marker: str) -> str:
    """The body of the first fenced code block whose first line is ``marker``."""
    start = README.index(f"\n{marker}\n") + 1
    return README[start : README.index("```", start)]


def test_configuration_example_is_valid() -> None:
    """The example .dlint.yaml loads without an error and means what it says."""
    import yaml

    from dlint.config import from_mapping

    config = from_mapping(yaml.safe_load(fenced_block("# .dlint.yaml")), "README")
    assert "D202" not in {r.id for r in config.rules()}
    assert config.failure_threshold == "warning"


def test_inline_ignore_example_silences_what_it_says(tmp_path, monkeypatch) -> None:
    """The README's Dockerfile with ignores reports none of the ignored findings."""
    from helpers import run_dlint

    start = README.index("```dockerfile\n# dlint ignore-file=") + len("```dockerfile\n")
    (tmp_path / "Dockerfile").write_text(README[start : README.index("```", start)])
    result = run_dlint("check", "--select", "apt-unpinned,pip-unpinned,apt-recommends",
                       cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout.decode()


def test_add_a_rule_names_every_area_and_its_range() -> None:
    """The "Add a rule" section lists the id range of every area (its ``ID_PREFIX``)."""
    from dlint.rule import areas

    section = README[README.index("### Add a rule") :]
    section = " ".join(section.split("\n## ", 1)[0].split())
    for area, prefix in areas().items():
        assert f"`{area}` {prefix}xx" in section, area
