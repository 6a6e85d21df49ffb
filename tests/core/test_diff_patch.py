"""parse_file_patch on entries shaped like GitHub's PR files API (`patch` holds only hunks)."""

from __future__ import annotations

import pytest

from bot.core.diff import parse_file_patch
from bot.core.model import FileStatus
from bot.errors import InputError

PATCH = (
    "@@ -3,3 +3,4 @@ fn main() {\n let a = 1;\n-let b = 2;\n+let b = b.unwrap();\n+let c = 3;\n }"
)


def test_patch_lines_are_numbered_on_the_head_side() -> None:
    f = parse_file_patch("src/main.rs", PATCH, status="modified")
    assert (f.path, f.old_path, f.status) == ("src/main.rs", "src/main.rs", FileStatus.MODIFIED)
    assert f.added_lines == {4, 5}
    assert f.commentable_lines == {3, 4, 5, 6}
    assert f.hunk_text == ((3, "let a = 1;\nlet b = b.unwrap();\nlet c = 3;\n}"),)


def test_patch_with_several_hunks_and_no_newline_marker() -> None:
    patch = (
        "@@ -1,2 +1,2 @@\n-a\n+b\n c\n@@ -20,2 +20,3 @@\n x\n y\n+z\n\\ No newline at end of file"
    )
    f = parse_file_patch("src/lib.rs", patch, status="modified")
    assert f.added_lines == {1, 22}
    assert f.commentable_lines == {1, 2, 20, 21, 22}


@pytest.mark.parametrize(
    ("github", "ours"),
    [
        ("added", FileStatus.ADDED),
        ("removed", FileStatus.DELETED),
        ("modified", FileStatus.MODIFIED),
        ("renamed", FileStatus.RENAMED),
        ("copied", FileStatus.ADDED),
        ("changed", FileStatus.MODIFIED),
        ("unchanged", FileStatus.MODIFIED),
    ],
)
def test_github_statuses_map_to_file_statuses(github: str, ours: FileStatus) -> None:
    assert parse_file_patch("x.rs", None, status=github).status is ours


def test_renamed_entry_keeps_previous_filename() -> None:
    f = parse_file_patch("src/new.rs", PATCH, status="renamed", old_path="src/old.rs")
    assert (f.path, f.old_path) == ("src/new.rs", "src/old.rs")


def test_added_entry_has_no_old_path() -> None:
    f = parse_file_patch("src/new.rs", "@@ -0,0 +1,2 @@\n+a\n+b", status="added")
    assert f.old_path is None
    assert f.added_lines == {1, 2}


def test_missing_patch_gives_a_file_without_lines() -> None:
    f = parse_file_patch("big.rs", None, status="modified")
    assert f.added_lines == f.commentable_lines == frozenset()
    assert not f.is_binary


def test_unknown_status_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown GitHub file status"):
        parse_file_patch("x.rs", PATCH, status="exploded")


@pytest.mark.parametrize(
    "patch",
    [
        "@@ -1,5 +1,5 @@\n a\n",
        "@@ -1 +1 @@\n-a\n+b\n+c",
        "not a patch at all",
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b",
    ],
)
def test_broken_patch_is_a_one_line_input_error(patch: str) -> None:
    with pytest.raises(InputError) as info:
        parse_file_patch("x.rs", patch, status="modified")
    assert "x.rs" in str(info.value)
    assert "\n" not in str(info.value)


def test_crlf_patch_keeps_counts() -> None:
    f = parse_file_patch("x.rs", PATCH.replace("\n", "\r\n"), status="modified")
    assert f == parse_file_patch("x.rs", PATCH, status="modified")
