"""`panicscan rules`, `panicscan --version` and `--help`."""

from __future__ import annotations

from cli_helpers import CliRunner, run_console

from bot import __version__

RULES = {
    "PS001": ("unwrap-used", "error"),
    "PS002": ("expect-used", "error"),
    "PS003": ("panic-macro", "error"),
    "PS004": ("index-or-slice", "warning"),
}


def test_rules_lists_the_four_rules(cli: CliRunner) -> None:
    run = cli("rules")

    assert run.code == 0
    assert run.err == ""
    rows = [line.split() for line in run.out.splitlines()]
    assert RULES.items() <= {row[0]: (row[1], row[2]) for row in rows}.items()
    assert "clippy::unwrap_used" in run.out
    assert "clippy::indexing_slicing" in run.out


def test_console_script_rules_lists_the_four_rules() -> None:
    run = run_console(["rules"])

    assert run.code == 0, run.err
    assert [line.split()[1] for line in run.out.splitlines()][:4] == [
        "unwrap-used",
        "expect-used",
        "panic-macro",
        "index-or-slice",
    ]


def test_version_prints_the_package_version(cli: CliRunner) -> None:
    run = cli("--version")

    assert run.code == 0
    assert run.out.strip() == f"panicscan {__version__}"


def test_console_script_version() -> None:
    run = run_console(["--version"])

    assert run.code == 0
    assert run.out.strip() == f"panicscan {__version__}"


def test_scan_help_lists_the_contract_flags(cli: CliRunner) -> None:
    run = cli("scan", "--help")

    assert run.code == 0
    for flag in (
        "--diff",
        "--root",
        "--base",
        "--head",
        "--all",
        "--format",
        "--include-tests",
        "--rules",
        "--fail-level",
        "--repo",
    ):
        assert flag in run.out
