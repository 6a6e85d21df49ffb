"""Where `panicscan scan` gets its input: a diff alone, a whole tree, git revisions, stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import (
    DEMO_DIFF,
    DEMO_HEAD,
    REPO_ROOT,
    CliRunner,
    GitRepo,
    new_file_diff,
    run_console,
)

RULES_DIR = REPO_ROOT / "rules"

LIB_V1 = "pub fn parse(s: &str) -> u32 {\n    s.len() as u32\n}\n"
LIB_V2 = (
    "pub fn parse(s: &str) -> u32 {\n"
    "    s.parse().unwrap()\n"
    "}\n"
    "\n"
    "pub fn first(v: &[u32], i: usize) -> u32 {\n"
    "    v[i]\n"
    "}\n"
)


def _keys(findings: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(f["path"], f["line"], f["rule"]) for f in findings]


def test_diff_without_root_still_finds_from_the_hunk_text(cli: CliRunner) -> None:
    run = cli("scan", "--diff", DEMO_DIFF, "--format", "json")
    full = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json")

    assert run.code == 1
    findings = run.findings()
    assert findings
    assert {f["context"] for f in findings} == {"partial"}
    assert _keys(findings) == _keys(full.findings())


def test_root_missing_the_head_file_falls_back_to_partial_context(
    cli: CliRunner, tmp_path: Path
) -> None:
    diff = tmp_path / "new.diff"
    diff.write_text(
        new_file_diff("src/gone.rs", "fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n")
    )
    (tmp_path / "head").mkdir()

    run = cli("scan", "--diff", diff, "--root", tmp_path / "head", "--format", "json")

    assert run.code == 1
    [finding] = run.findings()
    assert (finding["path"], finding["line"], finding["context"]) == ("src/gone.rs", 2, "partial")


def test_all_scans_every_line_of_a_tree(cli: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "crate"
    (root / "src" / "net").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text(LIB_V2)
    (root / "src" / "net" / "wire.rs").write_text(
        "pub fn header(b: &[u8], n: usize) -> &[u8] {\n    &b[..n]\n}\n"
        "pub fn boom() {\n    todo!()\n}\n"
    )
    (root / "README.md").write_text("x.unwrap()\n")  # not Rust: ignored
    (root / "target" / "debug").mkdir(parents=True)
    (root / "target" / "debug" / "gen.rs").write_text("fn g() { None::<u8>.unwrap(); }\n")

    run = cli("scan", "--all", "--root", root, "--format", "json")

    assert run.code == 1
    assert _keys(run.findings()) == [
        ("src/lib.rs", 2, "unwrap-used"),
        ("src/lib.rs", 6, "index-or-slice"),
        ("src/net/wire.rs", 2, "index-or-slice"),
        ("src/net/wire.rs", 5, "unfinished-code"),
    ]
    assert run.json()["stats"]["files"] == 2


def test_all_on_a_clean_tree_exits_0(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "lib.rs").write_text(LIB_V1)

    run = cli("scan", "--all", "--root", tmp_path, "--format", "json")

    assert (run.code, run.findings()) == (0, [])


def test_base_and_head_scan_the_commit_range(
    cli: CliRunner, git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("src/lib.rs", LIB_V1)
    base = git_repo.commit("v1")
    git_repo.write("src/lib.rs", LIB_V2)
    head = git_repo.commit("v2")
    # The working tree moves on; --head must read the committed blob, not the file on disk.
    git_repo.write("src/lib.rs", LIB_V1)
    monkeypatch.chdir(git_repo.root)

    run = cli("scan", "--base", base, "--head", head, "--format", "json")

    assert run.code == 1, run.err
    assert _keys(run.findings()) == [
        ("src/lib.rs", 2, "unwrap-used"),
        ("src/lib.rs", 6, "index-or-slice"),
    ]
    assert {f["context"] for f in run.findings()} == {"full"}


def test_base_without_head_compares_the_working_tree(
    cli: CliRunner, git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("src/lib.rs", LIB_V1)
    git_repo.commit("v1")
    git_repo.write("src/lib.rs", LIB_V2)  # uncommitted
    monkeypatch.chdir(git_repo.root)

    run = cli("scan", "--base", "HEAD", "--format", "json")

    assert run.code == 1, run.err
    assert _keys(run.findings()) == [
        ("src/lib.rs", 2, "unwrap-used"),
        ("src/lib.rs", 6, "index-or-slice"),
    ]


def test_base_only_counts_lines_the_range_changed(cli: CliRunner, git_repo: GitRepo) -> None:
    git_repo.write("src/lib.rs", LIB_V2)
    base = git_repo.commit("old panics")
    git_repo.write("src/lib.rs", LIB_V2 + "\npub fn fine() -> u8 {\n    1\n}\n")
    git_repo.commit("clean addition")

    run = cli("scan", "--base", base, "--head", "HEAD", "--repo", git_repo.root, "--format", "json")

    assert (run.code, run.findings()) == (0, [])


def test_repo_flag_points_at_a_checkout_from_elsewhere(cli: CliRunner, git_repo: GitRepo) -> None:
    git_repo.write("src/lib.rs", LIB_V1)
    git_repo.commit("v1")
    git_repo.write("src/lib.rs", LIB_V2)
    git_repo.commit("v2")

    run = cli("scan", "--base", "HEAD~1", "--repo", git_repo.root, "--format", "json")

    assert run.code == 1, run.err
    assert _keys(run.findings())[0] == ("src/lib.rs", 2, "unwrap-used")


def test_console_script_scans_a_git_range(git_repo: GitRepo) -> None:
    git_repo.write("src/lib.rs", LIB_V1)
    git_repo.commit("v1")
    git_repo.write("src/lib.rs", LIB_V2)
    git_repo.commit("v2")

    run = run_console(["scan", "--base", "HEAD~1", "--head", "HEAD"], cwd=git_repo.root)

    assert run.code == 1, run.err
    assert run.out.startswith("src/lib.rs:2:")


def test_diff_dash_reads_stdin(cli: CliRunner) -> None:
    run = cli(
        "scan", "--diff", "-", "--root", DEMO_HEAD, "--format", "json", stdin=DEMO_DIFF.read_bytes()
    )
    from_file = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json")

    assert run.code == 1
    assert run.findings() == from_file.findings()


def test_console_script_reads_the_diff_from_stdin() -> None:
    run = run_console(
        ["scan", "--diff", "-", "--root", DEMO_HEAD, "--format", "json"],
        stdin=DEMO_DIFF.read_bytes(),
    )

    assert run.code == 1, run.err
    assert len(run.findings()) == 6


def test_empty_stdin_is_an_empty_diff(cli: CliRunner) -> None:
    run = cli("scan", "--diff", "-", "--format", "json", stdin=b"")

    assert (run.code, run.findings()) == (0, [])


def test_rules_flag_limits_the_scan_to_the_given_rule_files(cli: CliRunner, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "unwrap-used.yml").write_bytes((RULES_DIR / "unwrap-used.yml").read_bytes())

    run = cli(
        "scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--rules", rules, "--format", "json"
    )

    assert run.code == 1
    assert _keys(run.findings()) == [("src/features.rs", 67, "unwrap-used")]


def test_all_counts_each_line_of_the_tree_once(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "lib.rs").write_text(LIB_V2)

    run = cli("scan", "--all", "--root", tmp_path, "--format", "json")

    assert run.json()["stats"]["changed_lines"] == LIB_V2.count("\n")
