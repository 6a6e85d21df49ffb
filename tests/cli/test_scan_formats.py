"""`--format text|github` output and how `--fail-level` maps findings to the exit status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import DEMO_DIFF, DEMO_HEAD, CliRunner, new_file_diff, run_console

# A change whose only finding is a warning (index-or-slice), and one with an error (unwrap-used).
WARNING_ONLY = "pub fn f(v: &[u8], i: usize) -> u8 {\n    v[i]\n}\n"
ERROR_LEVEL = "pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"
DEMO_ARGS = ("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD)
WORKFLOW_COMMAND = re.compile(
    r"::(?P<level>error|warning|notice) file=(?P<file>[^,]+),line=(?P<line>\d+),"
    r"(?P<props>[^:]*)::(?P<message>.+)"
)


def _write_diff(tmp_path: Path, rust: str, name: str = "src/lib.rs") -> Path:
    diff = tmp_path / "change.diff"
    diff.write_text(new_file_diff(name, rust))
    return diff


def test_text_format_prints_one_compiler_style_line_per_finding(cli: CliRunner) -> None:
    run = cli(*DEMO_ARGS, "--format", "text")

    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("src/features.rs:67:36: error[unwrap-used] ")
    assert "src/scoring.rs:19:9: error[panic-macro] " in run.out
    assert lines[-1].startswith("6 finding(s)")
    assert "in 2 file(s)" in lines[-1]


def test_text_is_the_default_format(cli: CliRunner) -> None:
    default = cli(*DEMO_ARGS)
    explicit = cli(*DEMO_ARGS, "--format", "text")

    # The tally ends with a timing, so compare everything but the last line.
    assert default.out.splitlines()[:-1] == explicit.out.splitlines()[:-1]


def test_github_format_prints_workflow_commands(cli: CliRunner) -> None:
    run = cli(*DEMO_ARGS, "--format", "github")

    assert run.code == 1
    lines = run.out.splitlines()
    assert len(lines) == 6
    parsed = [WORKFLOW_COMMAND.fullmatch(line) for line in lines]
    assert all(parsed), lines
    first = parsed[0]
    assert first is not None
    assert (first["level"], first["file"], first["line"]) == ("error", "src/features.rs", "67")
    assert "col=36" in first["props"]
    levels = [m["level"] for m in parsed if m is not None]
    # Graded per finding: scoring.rs indexes in a loop against the MAX_FEATURES limit.
    assert levels == ["error", "warning", "error", "error", "error", "error"]


def test_console_script_github_format_starts_with_error_command() -> None:
    run = run_console([*DEMO_ARGS, "--format", "github"])

    assert run.code == 1
    assert run.out.startswith("::error file=src/features.rs,line=67,")


@pytest.mark.parametrize(
    ("rust", "level", "expected"),
    [
        (WARNING_ONLY, "error", 0),
        (WARNING_ONLY, "warning", 1),
        (WARNING_ONLY, "notice", 1),
        (WARNING_ONLY, "never", 0),
        (ERROR_LEVEL, "error", 1),
        (ERROR_LEVEL, "notice", 1),
        (ERROR_LEVEL, "never", 0),
    ],
)
def test_fail_level_decides_the_exit_status(
    cli: CliRunner, tmp_path: Path, rust: str, level: str, expected: int
) -> None:
    diff = _write_diff(tmp_path, rust)

    run = cli("scan", "--diff", diff, "--format", "json", "--fail-level", level)

    assert run.findings(), "the change must produce a finding for this test to mean anything"
    assert run.code == expected


def test_fail_level_never_still_prints_the_findings(cli: CliRunner) -> None:
    run = cli(*DEMO_ARGS, "--format", "json", "--fail-level", "never")

    assert run.code == 0
    assert len(run.findings()) == 6


def test_diff_without_findings_exits_0(cli: CliRunner, tmp_path: Path) -> None:
    diff = _write_diff(
        tmp_path, "pub fn add(a: u8, b: u8) -> Option<u8> {\n    a.checked_add(b)\n}\n"
    )

    run = cli("scan", "--diff", diff, "--format", "json")

    assert run.code == 0
    assert run.findings() == []
    assert run.err == ""


def test_empty_diff_exits_0_with_no_findings(cli: CliRunner, tmp_path: Path) -> None:
    diff = tmp_path / "empty.diff"
    diff.write_bytes(b"")

    run = cli("scan", "--diff", diff, "--format", "json")

    assert run.code == 0
    assert run.json()["findings"] == []


def test_github_format_prints_nothing_for_a_clean_diff(cli: CliRunner, tmp_path: Path) -> None:
    diff = _write_diff(tmp_path, "pub fn one() -> u8 {\n    1\n}\n")

    run = cli("scan", "--diff", diff, "--format", "github")

    assert (run.code, run.out) == (0, "")
