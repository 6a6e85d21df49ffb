"""`panicscan scan --staged`: what `git commit` would record (the pre-commit hook's scan)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import CliRunner, GitRepo

V1 = "pub fn f(x: Option<u32>) -> u32 {\n    x.unwrap_or(0)\n}\n"
STAGED = "pub fn f(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"
# An unstaged edit on top of the staged one: shifts lines and adds a panic of its own.
WORKTREE = "pub fn g(v: &[u8]) -> u8 {\n    v[0]\n}\n\n" + STAGED


def _keys(run_findings: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(f["path"], f["line"], f["rule"]) for f in run_findings]


def test_staged_scans_the_index_not_the_working_tree(
    cli: CliRunner, git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("src/lib.rs", V1)
    git_repo.commit("v1")
    git_repo.write("src/lib.rs", STAGED)
    git_repo.git("add", "src/lib.rs")
    git_repo.write("src/lib.rs", WORKTREE)
    monkeypatch.chdir(git_repo.root)

    run = cli("scan", "--staged", "--format", "json")

    assert run.code == 1, run.err
    # Line 2 of the staged blob; the working tree's `v[0]` and its shift are not part of it.
    assert _keys(run.findings()) == [("src/lib.rs", 2, "unwrap-used")]
    assert run.findings()[0]["context"] == "full"


def test_staged_works_before_the_first_commit(cli: CliRunner, git_repo: GitRepo) -> None:
    git_repo.write("src/lib.rs", STAGED)
    git_repo.git("add", "src/lib.rs")

    run = cli("scan", "--staged", "--repo", git_repo.root, "--format", "json")

    assert run.code == 1, run.err
    assert _keys(run.findings()) == [("src/lib.rs", 2, "unwrap-used")]


def test_nothing_staged_is_a_clean_scan(cli: CliRunner, git_repo: GitRepo) -> None:
    git_repo.write("src/lib.rs", V1)
    git_repo.commit("v1")
    git_repo.write("src/lib.rs", STAGED)  # changed but not staged

    run = cli("scan", "--staged", "--repo", git_repo.root, "--format", "json")

    assert run.code == 0, run.err
    assert run.findings() == []


def test_a_staged_deletion_is_a_clean_scan(cli: CliRunner, git_repo: GitRepo) -> None:
    git_repo.write("src/lib.rs", STAGED)
    git_repo.commit("v1")
    git_repo.git("rm", "-q", "src/lib.rs")

    run = cli("scan", "--staged", "--repo", git_repo.root)

    assert run.code == 0, run.err


@pytest.mark.parametrize(
    "extra",
    [["--head", "HEAD"], ["--base", "HEAD"], ["--all", "--root", "."], ["--diff", "x.diff"]],
    ids=["head", "base", "all", "diff"],
)
def test_staged_with_another_source_is_a_usage_error(
    cli: CliRunner, git_repo: GitRepo, extra: list[str]
) -> None:
    git_repo.write("src/lib.rs", V1)
    git_repo.commit("v1")

    run = cli("scan", "--staged", "--repo", git_repo.root, *extra)

    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1


def test_staged_outside_a_git_checkout_is_a_one_line_error(cli: CliRunner, tmp_path: Path) -> None:
    run = cli("scan", "--staged", "--repo", tmp_path)

    assert run.code == 2
    assert "not a git checkout" in run.err
    assert len(run.err.strip().splitlines()) == 1
