"""Usage and input errors: exit 2, exactly one `panicscan:` line on stderr, no traceback."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import DEMO, DEMO_DIFF, DEMO_HEAD, CliRunner, GitRepo, Run, run_console

# Each case builds its argv from a scratch directory and a throwaway git repo.
ArgvFactory = Callable[[Path, GitRepo], list[str | Path]]


def _random_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "noise.bin"
    path.write_bytes(random.Random(7).randbytes(4096).replace(b"\n", b"\x00"))
    return path


def _committed(repo: GitRepo) -> GitRepo:
    repo.write("src/lib.rs", "pub fn f() {}\n")
    repo.commit("one")
    return repo


ERROR_CASES: dict[str, ArgvFactory] = {
    "missing diff file": lambda t, r: ["scan", "--diff", t / "nope.diff"],
    "root is not a directory": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--root", DEMO_DIFF],
    "root does not exist": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--root", t / "none"],
    "diff is a directory": lambda t, r: ["scan", "--diff", DEMO],
    "diff is random bytes": lambda t, r: ["scan", "--diff", _random_bytes(t)],
    "unknown flag": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--frobnicate"],
    "missing source option": lambda t, r: ["scan"],
    "missing subcommand": lambda t, r: [],
    "diff without a value": lambda t, r: ["scan", "--diff"],
    "bad format": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--format", "xml"],
    "bad fail level": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--fail-level", "fatal"],
    "two sources": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--all", "--root", DEMO_HEAD],
    "all without root": lambda t, r: ["scan", "--all"],
    "base outside a git checkout": lambda t, r: ["scan", "--base", "HEAD", "--repo", t],
    "repo does not exist": lambda t, r: ["scan", "--base", "HEAD", "--repo", t / "none"],
    "unknown base revision": lambda t, r: [
        "scan",
        "--base",
        "no-such-rev",
        "--repo",
        _committed(r).root,
    ],
    "unknown head revision": lambda t, r: [
        "scan",
        "--base",
        "HEAD",
        "--head",
        "deadbeef" * 5,
        "--repo",
        _committed(r).root,
    ],
    "revision that looks like an option": lambda t, r: [
        "scan",
        "--base=--output=/tmp/x",
        "--repo",
        _committed(r).root,
    ],
    "rules directory missing": lambda t, r: ["scan", "--diff", DEMO_DIFF, "--rules", t / "none"],
}


def _assert_one_line_error(run: Run) -> None:
    assert run.code == 2, (run.code, run.out, run.err)
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("panicscan: ")
    assert len(lines[0]) > len("panicscan: ")
    assert run.out == ""


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_error_exits_2_with_one_line_on_stderr(
    cli: CliRunner, tmp_path: Path, git_repo: GitRepo, case: str
) -> None:
    argv = ERROR_CASES[case](tmp_path, git_repo)

    _assert_one_line_error(cli(*argv))


@pytest.mark.parametrize(
    "case", ["missing diff file", "diff is random bytes", "unknown flag", "bad format"]
)
def test_console_script_error_exits_2_without_traceback(
    tmp_path: Path, git_repo: GitRepo, case: str
) -> None:
    argv = ERROR_CASES[case](tmp_path, git_repo)

    _assert_one_line_error(run_console(argv))


def test_base_outside_a_checkout_via_the_console_script(tmp_path: Path) -> None:
    # No --repo: the default `.` is a directory that is not a git checkout.
    run = run_console(["scan", "--base", "HEAD"], cwd=tmp_path)

    _assert_one_line_error(run)
    assert "not a git checkout" in run.err


def test_error_messages_name_the_problem(cli: CliRunner, tmp_path: Path) -> None:
    missing = cli("scan", "--diff", tmp_path / "nope.diff")
    not_dir = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_DIFF)
    unknown_rev = cli(
        "scan", "--base", "no-such-rev", "--repo", _committed(GitRepo(tmp_path / "r")).root
    )

    assert "nope.diff" in missing.err
    assert "not a directory" in not_dir.err
    assert "no-such-rev" in unknown_rev.err


@pytest.mark.parametrize(
    "argv",
    [["scan", "--diff", str(DEMO_DIFF), "--frobnicate"], ["scan"], [], ["bogus-command"]],
    ids=["unknown flag", "missing option", "no command", "unknown command"],
)
def test_usage_error_hint_names_a_help_command_that_exists(cli: CliRunner, argv: list[str]) -> None:
    run = cli(*argv)

    assert run.code == 2
    assert "--help --help" not in run.err
    assert "`panicscan --help`" in run.err or "`panicscan scan --help`" in run.err


def test_unreadable_diff_file_is_an_input_error(cli: CliRunner, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    diff = tmp_path / "locked.diff"
    diff.write_bytes(DEMO_DIFF.read_bytes())
    diff.chmod(0)

    _assert_one_line_error(cli("scan", "--diff", diff))


def test_malformed_rule_file_is_reported_on_one_line(cli: CliRunner, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "unwrap-used.yml").write_text("id: [unterminated\n")

    run = cli("scan", "--diff", DEMO_DIFF, "--rules", rules)

    _assert_one_line_error(run)
    assert "unwrap-used.yml" in run.err


def test_rules_command_reports_a_missing_rules_directory(cli: CliRunner, tmp_path: Path) -> None:
    _assert_one_line_error(cli("rules", "--rules", tmp_path / "none"))


def test_an_inline_ignore_may_name_a_rule_that_is_off(tmp_path: Path) -> None:
    # refcell-borrow is off by default; naming it must not be "unknown rule id".
    (tmp_path / "lib.rs").write_text(
        "pub fn f(c: &std::cell::RefCell<u8>) -> u8 {\n"
        "    // panicscan:ignore[refcell-borrow] never re-entered\n"
        "    *c.borrow()\n"
        "}\n"
    )
    run = run_console(["scan", "--all", "--root", tmp_path, "--format", "json"])
    assert run.code == 0, run.out + run.err
    assert run.json()["findings"] == []


def test_a_file_name_that_is_not_utf8_is_skipped_and_named(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.rs").write_text("fn g(x: Option<u8>) -> u8 { x.unwrap() }\n")
    try:
        with open(os.fsencode(src) + b"/caf\xe9.rs", "wb") as f:
            f.write(b"fn f(x: Option<u8>) -> u8 { x.unwrap() }\n")
    except OSError:
        pytest.skip("this file system refuses non-UTF-8 names")
    run = run_console(["scan", "--all", "--root", tmp_path, "--format", "json"])
    assert run.code == 1, run.err  # the finding in ok.rs, not a crash
    document = run.json()
    assert [f["path"] for f in document["findings"]] == ["src/ok.rs"]
    assert any("not UTF-8" in p["message"] for p in document["problems"])
