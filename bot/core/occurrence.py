"""Occurrence indices for fingerprints: how often a flagged expression's text occurs
earlier in its enclosing item, counted on whitespace- and comment-free text.

Each item's compact text is built once, and each distinct expression's occurrences in
it are found once (a sorted position list); a finding's index is then a bisection.
Counting from the item start per finding made a function with 100,000 unwraps
quadratic (minutes).

The count is exactly `str.count(needle, 0, end)` on the compact text (non-overlapping,
left to right), so fingerprints do not change with this bookkeeping.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from bot.core.rust_syntax import matches

_COMMENTS = "[(line_comment) (block_comment)] @comment"


class CompactItems:
    """Whitespace- and comment-free text of each item, built once per item.

    Comments are left out so that a comment quoting the code (`// was x.unwrap()`)
    does not shift the occurrence index, and with it the fingerprint.
    """

    def __init__(self, root: Node | None = None) -> None:
        self._root = root
        self._items: dict[tuple[int, int], Compact] = {}

    def occurrences(self, source: bytes, item: tuple[int, int], before: int, needle: str) -> int:
        """How often `needle` occurs in the item's compact text before byte `before`."""
        cached = self._items.get(item)
        if cached is None:
            comments = self._comment_spans(*item)
            cached = self._items[item] = compact(source, *item, comments)
        return cached.count_before(needle, cached.chars_before(before))

    def _comment_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        if self._root is None:
            return []
        found = matches(_COMMENTS, self._root, (start, end))
        return sorted((c.start_byte, c.end_byte) for m in found for c in m["comment"])


@dataclass(frozen=True)
class Compact:
    """An item's text without whitespace and comments, kept as runs of non-space text:
    `starts[i]` is the file byte offset of run i, `index[i]` its position in `text`."""

    text: str
    starts: list[int]
    index: list[int]
    runs: list[str]
    # needle -> start positions of its non-overlapping occurrences in `text`
    found: dict[str, list[int]] = field(default_factory=dict)

    def chars_before(self, before: int) -> int:
        """How many compact characters lie at file byte offsets below `before`."""
        run = bisect_left(self.starts, before) - 1
        if run < 0:
            return 0
        piece = self.runs[run]
        inside = before - self.starts[run]
        if piece.isascii():
            return self.index[run] + min(len(piece), inside)
        # `before` is a node start, so it never splits a character.
        return self.index[run] + len(piece.encode("utf-8")[:inside].decode("utf-8", "ignore"))

    def count_before(self, needle: str, end: int) -> int:
        """`self.text.count(needle, 0, end)`, in O(log n) after one scan per needle."""
        if not needle:
            return self.text.count(needle, 0, end)
        positions = self.found.get(needle)
        if positions is None:
            positions = self.found[needle] = _scan(self.text, needle)
        # An occurrence counts when it ends at or before `end`.
        return bisect_right(positions, end - len(needle))


def _scan(text: str, needle: str) -> list[int]:
    positions: list[int] = []
    at = text.find(needle)
    while at != -1:
        positions.append(at)
        at = text.find(needle, at + len(needle))
    return positions


_RUN = re.compile(r"\S+")


def compact(source: bytes, start: int, end: int, skip: Sequence[tuple[int, int]] = ()) -> Compact:
    """The non-whitespace text of source[start:end] outside `skip` (sorted byte spans).
    analyse_file has made the source valid UTF-8, so character widths are exact; a run
    at a time (not a character at a time) keeps big items cheap."""
    chunk = bytearray(source[start:end])
    for span_start, span_end in skip:
        lo, hi = max(span_start, start) - start, min(span_end, end) - start
        if lo < hi:
            chunk[lo:hi] = b" " * (hi - lo)  # same length: byte offsets stay put
    text = chunk.decode("utf-8", "replace")
    ascii_text = text.isascii()
    starts: list[int] = []
    index: list[int] = []
    runs: list[str] = []
    position = 0
    byte = start
    last_char = 0
    for match in _RUN.finditer(text):
        if ascii_text:
            byte = start + match.start()
        else:
            byte += len(text[last_char : match.start()].encode("utf-8"))
            last_char = match.start()
        starts.append(byte)
        index.append(position)
        runs.append(match.group())
        position += len(match.group())
    return Compact("".join(runs), starts, index, runs)
