"""The compact text used for occurrence indices agrees with a plain character-by-character
reference on arbitrary text (ASCII and not), and its comments are those a query finds."""

from __future__ import annotations

import random
from bisect import bisect_left
from pathlib import Path

import pytest

from bot.core.rust import _compact


def _reference(
    source: bytes, start: int, end: int, skip: list[tuple[int, int]]
) -> tuple[str, list[int]]:
    chars: list[str] = []
    offsets: list[int] = []
    offset = start
    for ch in source[start:end].decode("utf-8", "replace"):
        inside = any(lo <= offset < hi for lo, hi in skip)
        if not inside and not ch.isspace():
            chars.append(ch)
            offsets.append(offset)
        offset += len(ch.encode("utf-8"))
    return "".join(chars), offsets


@pytest.mark.parametrize("seed", range(30))
def test_run_compaction_matches_the_character_reference(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["a", "b", ".", "(", ")", " ", "\n", "\t", "é", "字", "😀", "x"]
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
    source = text.encode("utf-8")
    # Comment spans on character boundaries, as tree-sitter reports them.
    bounds = sorted({0, len(source), *[len(text[:i].encode()) for i in range(len(text))]})
    skip = []
    if len(bounds) > 3 and rng.random() < 0.7:
        lo, hi = sorted(rng.sample(bounds, 2))
        skip = [(lo, hi)]
    compact = _compact(source, 0, len(source), skip)
    expected, offsets = _reference(source, 0, len(source), skip)
    assert compact.text == expected
    for before in bounds:
        assert compact.chars_before(before) == bisect_left(offsets, before)


@pytest.mark.parametrize("seed", range(20))
def test_ascii_compaction_matches_the_character_reference_across_blocks(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["a", "b", ".", "(", " ", "\n", "\t", "\x0b", "\x1c", "x", "  "]
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000)))
    source = ("pad " + text + " tail").encode()
    start, end = 4, 4 + len(text)
    skip = sorted(
        tuple(sorted(rng.sample(range(start, end + 1), 2))) for _ in range(rng.randint(0, 3))
    )
    compact = _compact(source, start, end, skip)
    expected, offsets = _reference(source, start, end, skip)
    assert compact.text == expected
    for before in [*rng.sample(range(end + 2), min(200, end + 2)), 0, start, end, end + 5]:
        assert compact.chars_before(before) == bisect_left(offsets, before)


def test_comments_are_found_from_their_markers_as_a_query_finds_them() -> None:
    from bot.core.occurrence import CompactItems
    from bot.core.rust_syntax import matches, parse

    extra = (
        b'/// doc // with slashes\n//! inner\nfn f() { let s = "// no /* no */"; x // c\n'
        b"; /* a /* nested */ b */ let u = 'a'; /**/ y /***/ }\n/*unterminated"
    )
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    for source in [extra, *(path.read_bytes() for path in sorted(corpus.glob("*.rs")))]:
        root = parse(source)
        query = "[(line_comment) (block_comment)] @comment"
        expected = sorted(
            {(n.start_byte, n.end_byte) for m in matches(query, root) for n in m["comment"]}
        )
        assert CompactItems(root)._comment_spans(source, 0, len(source)) == expected
