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

from tree_sitter import Node

_COMMENT_KINDS = frozenset({"line_comment", "block_comment"})
# What str.isspace() calls whitespace among ASCII characters (str.split and `\s` agree).
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
# Bytes per block of the ASCII prefix counts: a lookup counts at most this many bytes.
_BLOCK = 512


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
            comments = self._comment_spans(source, *item)
            cached = self._items[item] = compact(source, *item, comments)
        return cached.count_before(needle, cached.chars_before(before))

    def _comment_spans(self, source: bytes, start: int, end: int) -> list[tuple[int, int]]:
        """The comments that start in [start, end), found from their `//` or `/*` (a
        query over the item would walk all of its nodes)."""
        if self._root is None:
            return []
        spans: set[tuple[int, int]] = set()
        for marker in (b"//", b"/*"):
            at = source.find(marker, start, end)
            while at != -1:
                node = self._root.named_descendant_for_byte_range(at, at + 2)
                # In a string or a doc comment's text, `//` is no comment of its own.
                if node is not None and node.type in _COMMENT_KINDS and node.start_byte == at:
                    spans.add((node.start_byte, node.end_byte))
                at = source.find(marker, at + 2, end)
        return sorted(spans)


class Compact:
    """An item's text without whitespace and comments (`text`), and where file byte
    offsets fall in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        # needle -> start positions of its non-overlapping occurrences in `text`
        self._found: dict[str, list[int]] = {}

    def chars_before(self, before: int) -> int:
        """How many compact characters lie at file byte offsets below `before`."""
        raise NotImplementedError

    def count_before(self, needle: str, end: int) -> int:
        """`self.text.count(needle, 0, end)`, in O(log n) after one scan per needle."""
        if not needle:
            return self.text.count(needle, 0, end)
        positions = self._found.get(needle)
        if positions is None:
            positions = self._found[needle] = _scan(self.text, needle)
        # An occurrence counts when it ends at or before `end`.
        return bisect_right(positions, end - len(needle))


class _AsciiCompact(Compact):
    """ASCII text: a character is a byte, so counts come from C-speed byte deletes over
    at most one block, after per-block prefix counts."""

    def __init__(self, chunk: bytes, start: int) -> None:
        super().__init__("".join(chunk.decode("ascii").split()))
        self._chunk = chunk
        self._start = start
        self._blocks = [0]
        for at in range(0, len(chunk), _BLOCK):
            piece = chunk[at : at + _BLOCK]
            self._blocks.append(self._blocks[-1] + len(piece.translate(None, _ASCII_SPACE)))

    def chars_before(self, before: int) -> int:
        inside = min(max(before - self._start, 0), len(self._chunk))
        block, rest = divmod(inside, _BLOCK)
        at = block * _BLOCK
        return self._blocks[block] + len(self._chunk[at : at + rest].translate(None, _ASCII_SPACE))


class _RunCompact(Compact):
    """Any text, kept as runs of non-space text: `starts[i]` is the file byte offset of
    run i, `index[i]` its position in `text`."""

    def __init__(self, runs: list[str], starts: list[int], index: list[int]) -> None:
        super().__init__("".join(runs))
        self._runs = runs
        self._starts = starts
        self._index = index

    def chars_before(self, before: int) -> int:
        run = bisect_left(self._starts, before) - 1
        if run < 0:
            return 0
        piece = self._runs[run]
        inside = before - self._starts[run]
        if piece.isascii():
            return self._index[run] + min(len(piece), inside)
        # `before` is a node start, so it never splits a character.
        return self._index[run] + len(piece.encode("utf-8")[:inside].decode("utf-8", "ignore"))


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
    if chunk.isascii():
        return _AsciiCompact(bytes(chunk), start)
    text = chunk.decode("utf-8", "replace")
    starts: list[int] = []
    index: list[int] = []
    runs: list[str] = []
    position = 0
    byte = start
    last_char = 0
    for match in _RUN.finditer(text):
        byte += len(text[last_char : match.start()].encode("utf-8"))
        last_char = match.start()
        starts.append(byte)
        index.append(position)
        runs.append(match.group())
        position += len(match.group())
    return _RunCompact(runs, starts, index)
