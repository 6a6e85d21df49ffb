"""Changes computed from base and head contents when GitHub sends no patch."""

from __future__ import annotations

from bot.core.diff_local import change_from_contents
from bot.core.model import FileStatus


def test_added_and_replaced_lines_count_and_no_line_is_commentable() -> None:
    base = b"a\nb\nc\n"
    head = b"a\nB\nc\nd\n"
    change = change_from_contents("src/lib.rs", base, head)
    assert change.added_lines == {2, 4}
    assert change.commentable_lines == frozenset()
    assert change.status is FileStatus.MODIFIED


def test_a_new_file_is_all_added_and_a_rename_keeps_its_old_path() -> None:
    assert change_from_contents("n.rs", None, b"x\ny\n").added_lines == {1, 2}
    moved = change_from_contents("new.rs", b"x\n", b"x\ny\n", old_path="old.rs")
    assert (moved.status, moved.old_path, moved.added_lines) == (FileStatus.RENAMED, "old.rs", {2})


def test_binary_garbage_and_crlf_do_not_raise() -> None:
    change = change_from_contents("g.rs", b"\xff\x00\r\n", b"\xfe\x00\r\nz\r\n")
    # Both first lines decode to U+FFFD NUL: the same line; only `z` is new.
    assert change.added_lines == {2}
