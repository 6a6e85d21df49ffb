"""`panicscan rules` (severity, default state, Clippy equivalent) and `rules show ID`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import REPO_ROOT, CliRunner, run_console

from bot.rulefiles import load_rules

RULES = load_rules()


def test_rules_table_has_code_id_severity_default_and_clippy_per_rule(cli: CliRunner) -> None:
    run = cli("rules")

    assert run.code == 0, run.err
    rows = [line.split(maxsplit=4) for line in run.out.splitlines()]
    assert len(rows) == len(RULES)
    for row, rule in zip(rows, RULES, strict=True):
        default = "enabled" if rule.enabled_by_default else "disabled"
        clippy = ", ".join(f"clippy::{c}" for c in rule.clippy) or "-"
        assert row == [rule.code, rule.id, rule.severity.value, default, clippy]


@pytest.mark.parametrize("name", ["unwrap-used", "PS001", "ps001", "UNWRAP-USED"])
def test_rules_show_finds_a_rule_by_id_or_code(cli: CliRunner, name: str) -> None:
    run = cli("rules", "show", name)

    assert run.code == 0, run.err
    assert run.out.startswith("# PS001 `unwrap-used`\n")


def test_rules_show_prints_every_section_of_the_docs_page(cli: CliRunner) -> None:
    rule = RULES[0]
    out = cli("rules", "show", rule.id).out

    for heading in ("## Why is this bad?", "## Example", "Use instead:", "## Options"):
        assert heading in out
    assert "```rust\n" in out
    for name in rule.clippy:
        assert f"`clippy::{name}`" in out
    # Question templates name the flagged code; a docs page has none to fill in.
    assert "{expr}" not in out


def test_every_rule_has_a_docs_page(cli: CliRunner) -> None:
    for rule in RULES:
        run = cli("rules", "show", rule.code)
        assert run.code == 0, run.err
        assert rule.id in run.out.splitlines()[0]


@pytest.mark.parametrize(
    "name",
    ["nope", "", " ", "x" * 10_000, "unwrap-used\nPS002", "\x1b[31mred"],
    ids=["unknown", "empty", "blank", "oversized", "two-lines", "escape"],
)
def test_rules_show_of_a_bad_name_is_a_one_line_error(cli: CliRunner, name: str) -> None:
    run = cli("rules", "show", name)

    assert run.code == 2
    assert run.out == ""
    assert len(run.err.strip().splitlines()) == 1
    assert run.err.startswith("panicscan: ")
    assert "\x1b" not in run.err
    assert len(run.err) < 500


def test_rules_show_without_an_id_is_a_usage_error(cli: CliRunner) -> None:
    run = cli("rules", "show")

    assert run.code == 2
    assert "ID" in run.err


def test_rules_show_reads_the_rules_directory_given_before_or_after(
    cli: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    source = REPO_ROOT / "rules" / "panic-macro.yml"
    (folder / "panic-macro.yml").write_bytes(source.read_bytes())

    before = cli("rules", "--rules", folder, "show", "unwrap-used")
    after = cli("rules", "show", "PS003", "--rules", folder)

    assert before.code == 2
    assert "known rules: panic-macro" in before.err
    assert after.code == 0, after.err


def test_console_script_rules_show() -> None:
    run = run_console(["rules", "show", "index-or-slice"])

    assert run.code == 0, run.err
    assert "clippy::indexing_slicing" in run.out
