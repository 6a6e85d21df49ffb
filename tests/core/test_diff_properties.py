"""Property tests: difflib-made diffs agree with a reference; garbage only ever gives InputError."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.diff import DiffParse, parse_file_patch, parse_unified_diff
from bot.errors import InputError

EXCERPT = (Path(__file__).parent / "test_diff_fixtures" / "memchr_excerpt.diff").read_bytes()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A small alphabet makes equal lines (and so context and multi-hunk diffs) likely.
line_text = st.text(alphabet="ab \t-+@\\\x0c\u2028é", max_size=4)
file_lines = st.lists(line_text.map(lambda s: s + "\n"), max_size=40)


@dataclass(frozen=True)
class Expected:
    added: frozenset[int]
    commentable: frozenset[int]
    texts: tuple[tuple[int, str], ...]


def expected_from_pair(old: list[str], new: list[str]) -> Expected:
    """What the diff of old -> new must say, computed from difflib's opcodes, not its text."""
    added: set[int] = set()
    commentable: set[int] = set()
    texts: list[tuple[int, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new)
    for group in matcher.get_grouped_opcodes(3):
        for tag, _i1, _i2, j1, j2 in group:
            if tag in ("insert", "replace"):
                added.update(range(j1 + 1, j2 + 1))
        first, last = group[0][3], group[-1][4]
        commentable.update(range(first + 1, last + 1))
        if last > first:
            texts.append((first + 1, "\n".join(line[:-1] for line in new[first:last])))
    return Expected(frozenset(added), frozenset(commentable), tuple(texts))


def check_invariants(result: DiffParse) -> None:
    for f in result.files:
        assert f.added_lines <= f.commentable_lines
        assert all(n >= 1 for n in f.commentable_lines)
        assert sum(len(text.split("\n")) for _, text in f.hunk_text) == len(f.commentable_lines)
    for problem in result.problems:
        assert "\n" not in problem.message


@FAST
@given(st.lists(st.tuples(file_lines, file_lines), min_size=1, max_size=3), st.booleans())
def test_difflib_diffs_match_the_reference(
    pairs: list[tuple[list[str], list[str]]], git: bool
) -> None:
    chunks: list[str] = []
    expected: dict[str, Expected] = {}
    for n, (old, new) in enumerate(pairs):
        path = f"src/f{n}.rs"
        body = list(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))
        if not body:
            continue
        if git:
            chunks.append(f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n")
        chunks.extend(body)
        expected[path] = expected_from_pair(old, new)
    result = parse_unified_diff("".join(chunks))
    assert result.problems == ()
    got = {f.path: Expected(f.added_lines, f.commentable_lines, f.hunk_text) for f in result.files}
    assert got == expected
    check_invariants(result)


@FAST
@given(file_lines, file_lines)
def test_github_style_patch_matches_the_reference(old: list[str], new: list[str]) -> None:
    body = list(difflib.unified_diff(old, new, "a/x.rs", "b/x.rs"))
    patch = "".join(body[2:]).removesuffix("\n")
    f = parse_file_patch("x.rs", patch or None, status="modified")
    want = expected_from_pair(old, new)
    assert (f.added_lines, f.commentable_lines, f.hunk_text) == (
        want.added,
        want.commentable,
        want.texts,
    )


def parse_or_input_error(data: bytes | str) -> None:
    try:
        result = parse_unified_diff(data)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    check_invariants(result)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_only_raise_input_error(data: bytes) -> None:
    parse_or_input_error(data)


DIFFISH = st.sampled_from(
    [
        "diff --git a/x.rs b/x.rs",
        "diff -ru base/x head/x",
        "--- a/x.rs",
        "+++ b/x.rs",
        "--- /dev/null",
        "+++ /dev/null",
        "@@ -1 +1 @@",
        "@@ -0,0 +1,2 @@",
        "@@ -1,2 +0,0 @@",
        "@@ -1,3 +1,2 @@ fn x()",
        "@@ -0,1 +0,1 @@",
        "+added",
        "-removed",
        " context",
        "",
        "\\ No newline at end of file",
        "new file mode 100644",
        "deleted file mode 100644",
        "rename from x.rs",
        "rename to y.rs",
        "copy from x.rs",
        "Binary files a/x and b/x differ",
        "Binary files x differ",
        "GIT binary patch",
        "Only in base: x",
        'diff --git "a/\\303 b/x',
        "-- ",
    ]
)


@FAST
@given(
    st.lists(st.one_of(DIFFISH, st.text(max_size=12)), max_size=30), st.sampled_from(["\n", "\r\n"])
)
def test_diff_shaped_garbage_only_raises_input_error(lines: list[str], end: str) -> None:
    parse_or_input_error(end.join(lines))


@FAST
@given(st.data())
def test_mutated_real_diff_only_raises_input_error(data: st.DataObject) -> None:
    lines = EXCERPT.split(b"\n")
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "byte", "insert", "truncate"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "byte" and lines[i]:
            j = data.draw(st.integers(0, len(lines[i]) - 1))
            b = data.draw(st.integers(0, 255))
            lines[i] = lines[i][:j] + bytes([b]) + lines[i][j + 1 :]
        elif op == "insert":
            lines.insert(i, data.draw(st.binary(max_size=20)))
        elif op == "truncate":
            lines = lines[:i]
        if not lines:
            lines = [b""]
    parse_or_input_error(b"\n".join(lines))
