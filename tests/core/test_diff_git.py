"""bot.gitdiff against real temporary git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.core.diff import parse_unified_diff
from bot.core.model import FileStatus
from bot.errors import InputError
from bot.gitdiff import diff_from_git, head_reader, read_blob_at

LIB_V1 = "".join(f"fn f{i}() {{}}\n" for i in range(30))
LIB_V2 = LIB_V1.replace("fn f3() {}\n", "fn f3() { x.unwrap(); }\n") + "fn tail() {}\n"
MOVED_V1 = "".join(f"const C{i}: u8 = {i};\n" for i in range(20))
MOVED_V2 = MOVED_V1.replace("C5: u8 = 5", "C5: u8 = v[5]")


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def write(repo: Path, path: str, text: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two commits: an edit, a rename with an edit, an added file with a space, a deletion."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    # A user's diff settings must not change what diff_from_git produces.
    git(root, "config", "diff.noprefix", "true")
    git(root, "config", "diff.mnemonicPrefix", "true")
    write(root, "src/lib.rs", LIB_V1)
    write(root, "src/old.rs", MOVED_V1)
    write(root, "src/gone.rs", "fn gone() {}\n")
    write(root, "README.md", "hello\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    write(root, "src/lib.rs", LIB_V2)
    git(root, "mv", "src/old.rs", "src/new.rs")
    write(root, "src/new.rs", MOVED_V2)
    write(root, "src/with space.rs", "fn s() { None::<u8>.unwrap(); }\n")
    git(root, "rm", "-q", "src/gone.rs")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "head")
    return root


def test_commit_range_diff_has_every_kind_of_change(repo: Path) -> None:
    result = parse_unified_diff(diff_from_git(repo, "base", "HEAD"))
    assert result.problems == ()
    files = {f.path: f for f in result.files}
    assert set(files) == {"src/lib.rs", "src/new.rs", "src/with space.rs", "src/gone.rs"}
    assert files["src/lib.rs"].status is FileStatus.MODIFIED
    assert files["src/lib.rs"].added_lines == {4, 31}
    assert files["src/new.rs"].status is FileStatus.RENAMED
    assert files["src/new.rs"].old_path == "src/old.rs"
    assert files["src/new.rs"].added_lines == {6}
    assert files["src/with space.rs"].status is FileStatus.ADDED
    assert files["src/gone.rs"].status is FileStatus.DELETED


def test_added_line_counts_agree_with_git_numstat(repo: Path) -> None:
    result = parse_unified_diff(diff_from_git(repo, "base", "HEAD"))
    numstat = git(repo, "diff", "-M", "--numstat", "-z", "base", "HEAD")
    # -z numstat: "added\tdeleted\tpath\0" or, for renames, "added\tdeleted\t\0old\0new\0".
    fields = numstat.split("\0")
    counts: dict[str, int] = {}
    i = 0
    while i < len(fields) and fields[i]:
        added, _deleted, path = fields[i].split("\t")
        if not path:
            path, i = fields[i + 2], i + 2
        counts[path] = int(added)
        i += 1
    assert {f.path: len(f.added_lines) for f in result.files} == counts


def test_working_tree_and_staged_changes_are_told_apart(repo: Path) -> None:
    write(repo, "README.md", "hello\nstaged line\n")
    git(repo, "add", "README.md")
    write(repo, "src/lib.rs", LIB_V2 + "fn unstaged() {}\n")
    worktree = {f.path for f in parse_unified_diff(diff_from_git(repo, "HEAD", None)).files}
    staged = {
        f.path for f in parse_unified_diff(diff_from_git(repo, "HEAD", None, staged=True)).files
    }
    assert worktree == {"README.md", "src/lib.rs"}
    assert staged == {"README.md"}


def test_staged_with_a_head_revision_is_refused(repo: Path) -> None:
    with pytest.raises(InputError, match="staged"):
        diff_from_git(repo, "base", "HEAD", staged=True)


@pytest.mark.parametrize("rev", ["no-such-branch", "deadbeef" * 5, "--output=/tmp/x", ""])
def test_unknown_revision_is_an_input_error(repo: Path, rev: str) -> None:
    with pytest.raises(InputError, match="unknown revision") as info:
        diff_from_git(repo, rev, None)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="unknown revision"):
        read_blob_at(repo, rev, "src/lib.rs")
    with pytest.raises(InputError, match="unknown revision"):
        head_reader(repo, rev)


def test_directory_that_is_not_a_checkout_is_an_input_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match="not a git checkout"):
        diff_from_git(plain, "HEAD", None)
    with pytest.raises(InputError, match="not a directory"):
        read_blob_at(tmp_path / "missing", "HEAD", "x")


def test_read_blob_at_returns_bytes_or_none(repo: Path) -> None:
    assert read_blob_at(repo, "base", "src/old.rs") == MOVED_V1.encode()
    assert read_blob_at(repo, "HEAD", "src/old.rs") is None
    assert read_blob_at(repo, "HEAD", "src") is None


def test_head_reader_for_a_revision_reads_committed_blobs(repo: Path) -> None:
    write(repo, "src/lib.rs", "changed in the working tree\n")
    read = head_reader(repo, "HEAD")
    assert read("src/lib.rs") == LIB_V2.encode()
    assert read("src/with space.rs") is not None
    assert read("nope.rs") is None


def test_head_reader_without_revision_reads_the_working_tree_from_the_root(repo: Path) -> None:
    write(repo, "src/lib.rs", "working tree text\n")
    (repo.parent / "outside.rs").write_text("secret\n")
    read = head_reader(repo / "src", None)
    assert read("src/lib.rs") == b"working tree text\n"
    assert read("src/gone.rs") is None
    assert read("../outside.rs") is None
    assert read("src") is None
