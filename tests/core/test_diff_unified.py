"""parse_unified_diff on hand-written and real diffs: one test per edge case."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.core.diff import DiffParse, parse_unified_diff
from bot.core.model import FileChange, FileStatus
from bot.errors import InputError

EXCERPT = Path(__file__).parent / "test_diff_fixtures" / "memchr_excerpt.diff"


def only_file(result: DiffParse) -> FileChange:
    assert result.problems == ()
    assert len(result.files) == 1
    return result.files[0]


def by_path(result: DiffParse) -> dict[str, FileChange]:
    return {f.path: f for f in result.files}


MODIFIED = """\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -10,4 +10,5 @@ fn main() {
 let a = 1;
-let b = 2;
+let b = x.unwrap();
+let c = 3;
 let d = 4;
 let e = 5;
"""


def test_modified_file_gives_head_line_numbers_of_added_and_context_lines() -> None:
    f = only_file(parse_unified_diff(MODIFIED))
    assert f.path == "src/lib.rs"
    assert f.old_path == "src/lib.rs"
    assert f.status is FileStatus.MODIFIED
    assert f.added_lines == {11, 12}
    assert f.commentable_lines == {10, 11, 12, 13, 14}
    assert f.hunk_text == (
        (10, "let a = 1;\nlet b = x.unwrap();\nlet c = 3;\nlet d = 4;\nlet e = 5;"),
    )
    assert f.is_rust and not f.is_binary


def test_bytes_and_str_inputs_parse_the_same() -> None:
    assert parse_unified_diff(MODIFIED.encode()) == parse_unified_diff(MODIFIED)


def test_new_file_with_hunk_at_line_zero_is_added() -> None:
    diff = """\
diff --git a/src/new.rs b/src/new.rs
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/src/new.rs
@@ -0,0 +1,3 @@
+fn a() {}
+fn b() {}
+fn c() {}
"""
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.old_path, f.status) == ("src/new.rs", None, FileStatus.ADDED)
    assert f.added_lines == f.commentable_lines == {1, 2, 3}
    assert f.hunk_text == ((1, "fn a() {}\nfn b() {}\nfn c() {}"),)


def test_hunk_at_line_one_counts_from_one() -> None:
    diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1,2 +1,3 @@\n+first\n same\n same2\n"
    f = only_file(parse_unified_diff(diff))
    assert f.added_lines == {1}
    assert f.commentable_lines == {1, 2, 3}


def test_deleted_file_has_no_head_lines() -> None:
    diff = """\
diff --git a/src/old.rs b/src/old.rs
deleted file mode 100644
index 3333333..0000000
--- a/src/old.rs
+++ /dev/null
@@ -1,2 +0,0 @@
-fn a() {}
-fn b() {}
"""
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.old_path, f.status) == ("src/old.rs", "src/old.rs", FileStatus.DELETED)
    assert f.added_lines == f.commentable_lines == frozenset()
    assert f.hunk_text == ()


def test_rename_with_edits_keeps_both_paths_and_the_edit() -> None:
    diff = """\
diff --git a/src/old_name.rs b/src/new_name.rs
similarity index 80%
rename from src/old_name.rs
rename to src/new_name.rs
index 1111111..2222222 100644
--- a/src/old_name.rs
+++ b/src/new_name.rs
@@ -1,3 +1,3 @@
 a
-b
+b.unwrap()
 c
"""
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.old_path, f.status) == (
        "src/new_name.rs",
        "src/old_name.rs",
        FileStatus.RENAMED,
    )
    assert f.added_lines == {2}
    assert f.commentable_lines == {1, 2, 3}


def test_rename_without_edits_has_no_lines() -> None:
    diff = """\
diff --git a/src/a b.rs b/src/c d.rs
similarity index 100%
rename from src/a b.rs
rename to src/c d.rs
"""
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.old_path, f.status) == ("src/c d.rs", "src/a b.rs", FileStatus.RENAMED)
    assert f.added_lines == f.commentable_lines == frozenset()


def test_binary_file_is_marked_binary_with_no_lines() -> None:
    diff = """\
diff --git a/img/logo.png b/img/logo.png
index 1111111..2222222 100644
Binary files a/img/logo.png and b/img/logo.png differ
"""
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.status, f.is_binary) == ("img/logo.png", FileStatus.MODIFIED, True)
    assert f.added_lines == frozenset()


def test_new_binary_file_with_git_binary_patch_is_added_and_binary() -> None:
    diff = """\
diff --git a/data.bin b/data.bin
new file mode 100644
index 0000000000000000000000000000000000000000..1c8a0b5e4c2f34e6e2f1b0e4e7a0c8d57b6b1f00
GIT binary patch
literal 4
LcmZQzWMT#Y01f~L

literal 0
HcmV?d00001

diff --git a/src/lib.rs b/src/lib.rs
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1 +1 @@
-a
+b
"""
    files = by_path(parse_unified_diff(diff))
    assert files["data.bin"].is_binary and files["data.bin"].status is FileStatus.ADDED
    assert files["src/lib.rs"].added_lines == {1}


def test_no_newline_marker_does_not_count_as_a_line() -> None:
    diff = """\
--- a/x.rs
+++ b/x.rs
@@ -1,2 +1,2 @@
 keep
-old
\\ No newline at end of file
+new
\\ No newline at end of file
"""
    f = only_file(parse_unified_diff(diff))
    assert f.added_lines == {2}
    assert f.commentable_lines == {1, 2}
    assert f.hunk_text == ((1, "keep\nnew"),)


def test_crlf_diff_keeps_counts_and_strips_carriage_returns() -> None:
    crlf = MODIFIED.replace("\n", "\r\n")
    f = only_file(parse_unified_diff(crlf.encode()))
    plain = only_file(parse_unified_diff(MODIFIED))
    assert f == plain
    assert "\r" not in f.path


def test_crlf_file_content_in_lf_diff_keeps_counts() -> None:
    diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1,2 +1,3 @@\n a\r\n+b\r\n \r\n"
    f = only_file(parse_unified_diff(diff))
    assert f.added_lines == {2}
    assert f.hunk_text == ((1, "a\nb\n"),)


def test_form_feed_and_unicode_line_separators_do_not_split_lines() -> None:
    diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1,1 +1,2 @@\n a\x0cb\u2028c\n+d\x1ce\n"
    f = only_file(parse_unified_diff(diff))
    assert f.commentable_lines == {1, 2}


def test_non_utf8_bytes_still_parse() -> None:
    diff = b"--- a/x.rs\n+++ b/x.rs\n@@ -1 +1,2 @@\n caf\xe9\n+\xff\xfe.unwrap()\n"
    f = only_file(parse_unified_diff(diff))
    assert f.added_lines == {2}
    assert f.hunk_text[0][1].startswith("caf\ufffd")


def test_large_hunk_parses_fast() -> None:
    body = "".join(f"+let v{i} = x.unwrap();\n" for i in range(5000))
    diff = f"--- /dev/null\n+++ b/big.rs\n@@ -0,0 +1,5000 @@\n{body}"
    started = time.perf_counter()
    f = only_file(parse_unified_diff(diff))
    elapsed = time.perf_counter() - started
    assert len(f.added_lines) == 5000 and max(f.added_lines) == 5000
    assert elapsed < 0.5


@pytest.mark.parametrize("empty", ["", b"", "\n", "  \n\n"])
def test_empty_diff_has_no_files_and_is_not_an_error(empty: str | bytes) -> None:
    assert parse_unified_diff(empty) == DiffParse((), ())


def test_paths_with_spaces_are_kept_whole() -> None:
    diff = """\
diff --git a/src/my file.rs b/src/my file.rs
index 1111111..2222222 100644
--- a/src/my file.rs\t
+++ b/src/my file.rs\t
@@ -1 +1 @@
-a
+b
"""
    assert only_file(parse_unified_diff(diff)).path == "src/my file.rs"


def test_quoted_non_ascii_path_is_unquoted() -> None:
    diff = """\
diff --git "a/src/caf\\303\\251.rs" "b/src/caf\\303\\251.rs"
--- "a/src/caf\\303\\251.rs"
+++ "b/src/caf\\303\\251.rs"
@@ -1 +1 @@
-a
+b
"""
    assert only_file(parse_unified_diff(diff)).path == "src/café.rs"


def test_mode_change_only_entry_is_modified_with_no_lines() -> None:
    diff = """\
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
"""
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.status) == ("run.sh", FileStatus.MODIFIED)
    assert f.commentable_lines == frozenset()


def test_empty_new_file_without_hunks_is_added() -> None:
    diff = "diff --git a/empty.rs b/empty.rs\nnew file mode 100644\nindex 0000000..e69de29\n"
    f = only_file(parse_unified_diff(diff))
    assert (f.path, f.status) == ("empty.rs", FileStatus.ADDED)


def test_rust_and_other_files_are_all_kept() -> None:
    diff = MODIFIED + MODIFIED.replace("src/lib.rs", "README.md")
    files = parse_unified_diff(diff).files
    assert [(f.path, f.is_rust) for f in files] == [("src/lib.rs", True), ("README.md", False)]


def test_diff_ru_directory_prefixes_are_stripped() -> None:
    diff = """\
diff -ruN base/src/lib.rs head/src/lib.rs
--- base/src/lib.rs\t2024-01-01 10:00:00.000000000 +0000
+++ head/src/lib.rs\t2024-02-01 10:00:00.000000000 +0000
@@ -1 +1,2 @@
 a
+b
diff -ruN base/src/new.rs head/src/new.rs
--- base/src/new.rs\t1970-01-01 00:00:00.000000000 +0000
+++ head/src/new.rs\t2024-02-01 10:00:00.000000000 +0000
@@ -0,0 +1 @@
+x
Binary files base/logo.png and head/logo.png differ
"""
    files = by_path(parse_unified_diff(diff))
    assert set(files) == {"src/lib.rs", "src/new.rs", "logo.png"}
    assert files["src/lib.rs"].status is FileStatus.MODIFIED
    assert files["src/new.rs"].status is FileStatus.ADDED
    assert files["src/new.rs"].old_path is None
    assert files["logo.png"].is_binary


def test_no_prefix_git_diff_keeps_first_directory() -> None:
    diff = MODIFIED.replace("a/src", "src").replace("b/src", "src")
    assert only_file(parse_unified_diff(diff)).path == "src/lib.rs"


def test_only_in_line_is_reported_as_a_problem() -> None:
    diff = "Only in head/src: extra.rs\n" + MODIFIED
    result = parse_unified_diff(diff)
    assert [f.path for f in result.files] == ["src/lib.rs"]
    assert [p.path for p in result.problems] == ["head/src/extra.rs"]


def test_broken_hunk_loses_only_its_own_file() -> None:
    broken = MODIFIED.replace("@@ -10,4 +10,5 @@", "@@ -10,9 +10,9 @@").replace(
        "src/lib.rs", "src/bad.rs"
    )
    result = parse_unified_diff(broken + MODIFIED)
    assert [f.path for f in result.files] == ["src/lib.rs"]
    assert len(result.problems) == 1
    assert result.problems[0].path == "src/bad.rs"
    assert "shorter" in result.problems[0].message
    assert "\n" not in result.problems[0].message


def test_hunk_with_too_many_lines_is_a_problem() -> None:
    diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-a\n+b\n+extra\n"
    result = parse_unified_diff(diff)
    assert result.files == ()
    assert result.problems[0].path == "x.rs"


def test_removed_line_that_looks_like_a_header_stays_in_its_hunk() -> None:
    diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1,2 +1,2 @@\n--- not a header\n+++ not a header\n keep\n"
    f = only_file(parse_unified_diff(diff))
    assert f.added_lines == {1}
    assert f.hunk_text == ((1, "++ not a header\nkeep"),)


def test_format_patch_mail_around_the_diff_is_ignored() -> None:
    mail = "From abc Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n---\n src/lib.rs | 2 +-\n\n"
    result = parse_unified_diff(mail + MODIFIED + "-- \n2.39.5\n\n")
    assert only_file(result).added_lines == {11, 12}


@pytest.mark.parametrize(
    "junk",
    [
        b"<!DOCTYPE html><html><body>Not Found</body></html>\n",
        bytes(range(256)) * 4,
        "just some text\nwith lines\n",
        "@@ -1 +1 @@\n-a\n+b\n",
    ],
)
def test_input_that_is_not_a_diff_raises_input_error(junk: str | bytes) -> None:
    with pytest.raises(InputError) as info:
        parse_unified_diff(junk)
    assert "\n" not in str(info.value)


def test_real_memchr_excerpt_parses_every_file() -> None:
    result = parse_unified_diff(EXCERPT.read_bytes())
    assert result.problems == ()
    files = by_path(result)
    assert set(files) == {
        ".cargo_vcs_info.json",
        "src/arch/aarch64/mod.rs",
        "src/memmem/x86/mod.rs",
        "src/tests/mod.rs",
    }
    assert files[".cargo_vcs_info.json"].added_lines == {3}
    assert files["src/arch/aarch64/mod.rs"].status is FileStatus.ADDED
    assert files["src/arch/aarch64/mod.rs"].added_lines == set(range(1, 8))
    assert files["src/memmem/x86/mod.rs"].status is FileStatus.DELETED
    tests_mod = files["src/tests/mod.rs"]
    assert tests_mod.added_lines == {1, 2, 3, 4, 5, 11, 12, 13, 14}
    assert tests_mod.commentable_lines == set(range(1, 16))


def test_blank_context_line_without_its_space_still_counts() -> None:
    # Editors that trim trailing whitespace turn the context line " " into "".
    diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1,3 +1,4 @@\n a\n\n+b\n c\n"
    f = only_file(parse_unified_diff(diff))
    assert f.added_lines == {3}
    assert f.commentable_lines == {1, 2, 3, 4}
