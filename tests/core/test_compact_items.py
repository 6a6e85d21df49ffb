"""The run-based compact text used for occurrence indices agrees with a plain
character-by-character reference on arbitrary text (ASCII and not)."""

from __future__ import annotations

import random
from bisect import bisect_left

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
