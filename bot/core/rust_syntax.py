"""tree-sitter plumbing for Rust: the language, cached queries, and byte-to-position maps.

Positions are 1-based. A column counts the characters of its line decoded as UTF-8
with replacement (so an invalid byte counts as one character, like an editor
showing U+FFFD). An end column is the column just after the last character, as in
SARIF's `endColumn`.
"""

from __future__ import annotations

import codecs
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Query, QueryCursor

RUST = Language(tree_sitter_rust.language())

_BOM = b"\xef\xbb\xbf"


@lru_cache(maxsize=256)
def compile_query(text: str) -> Query:
    """Compile a query once per distinct text; raises tree_sitter.QueryError when invalid."""
    return Query(RUST, text)


def query_capture_names(text: str) -> frozenset[str]:
    query = compile_query(text)
    return frozenset(query.capture_name(i) for i in range(query.capture_count))


def parse(source: bytes) -> Node:
    """Parse Rust source and return the root node (never raises on bad input)."""
    return Parser(RUST).parse(source).root_node


@lru_cache(maxsize=64)
def combine_queries(texts: tuple[str, ...]) -> tuple[str, tuple[int, ...]]:
    """Join queries into one (a single tree walk is much faster than one per query) and
    return, for each pattern of the joined query, the index of the text it came from."""
    owners: list[int] = []
    for index, text in enumerate(texts):
        owners.extend([index] * compile_query(text).pattern_count)
    return "\n".join(texts), tuple(owners)


def indexed_matches(
    query_text: str, node: Node, byte_range: tuple[int, int] | None = None
) -> list[tuple[int, dict[str, list[Node]]]]:
    """(pattern index, captures) of a query below `node`, optionally only over nodes
    intersecting `byte_range`."""
    cursor = QueryCursor(compile_query(query_text))
    if byte_range is not None:
        cursor.set_byte_range(byte_range[0], byte_range[1])
    return cursor.matches(node)


def matches(
    query_text: str, node: Node, byte_range: tuple[int, int] | None = None
) -> list[dict[str, list[Node]]]:
    return [captures for _, captures in indexed_matches(query_text, node, byte_range)]


def count_error_regions(root: Node) -> int:
    """Count outermost ERROR/MISSING nodes; subtrees without errors are skipped."""
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        elif node.has_error:
            stack.extend(node.children)
    return count


class SourceText:
    """One file's bytes with byte-offset to (line, column) lookups.

    A whole-file scan asks for the positions of a few findings, so lines are counted
    lazily: from the nearest offset already resolved, with C-speed `bytes.count`
    (building a table of every line start costs more than the lookups). The full table
    is built only when a caller asks by line number (`line_span`, `line_count`).
    """

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._table: list[int] | None = None
        # Resolved offsets (sorted) and their 1-based lines: counting resumes there.
        self._known_offsets: list[int] = [0]
        self._known_lines: list[int] = [1]
        # Per line: True when ASCII (column = byte distance), else the last (offset,
        # column) computed there, so a long line is decoded once, not once per finding.
        self._ascii: dict[int, bool] = {}
        self._last: dict[int, tuple[int, int]] = {}

    @property
    def line_starts(self) -> list[int]:
        """Byte offset of each line's start (line 1 first); built on first use."""
        if self._table is None:
            # Each line starts one byte after the previous line's end (C-speed iteration).
            lengths = map(len, self.source.split(b"\n")[:-1])
            self._table = list(accumulate(map((1).__add__, lengths), initial=0))
        return self._table

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """1-based line holding byte `offset`."""
        if self._table is not None:
            return bisect_right(self._table, offset)
        offset = max(0, min(offset, len(self.source)))
        index = bisect_right(self._known_offsets, offset) - 1
        known = self._known_offsets[index]
        line = self._known_lines[index] + self.source.count(b"\n", known, offset)
        if known != offset:
            self._known_offsets.insert(index + 1, offset)
            self._known_lines.insert(index + 1, line)
        return line

    def line_start(self, offset: int) -> int:
        """Byte offset where the line holding `offset` starts."""
        return self.source.rfind(b"\n", 0, max(0, offset)) + 1

    def line_end(self, offset: int) -> int:
        """Byte offset just past the line holding `offset` (its newline included)."""
        end = self.source.find(b"\n", offset)
        return len(self.source) if end == -1 else end + 1

    def line_span(self, line: int) -> tuple[int, int]:
        """Byte range [start, end) of 1-based `line`, newline included."""
        starts = self.line_starts
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.source)
        return start, end

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of byte `offset`; a BOM on line 1 takes no column."""
        line = self.line_of(offset)
        start = self.line_start(offset)
        if line == 1 and self.source.startswith(_BOM):
            start = min(offset, len(_BOM))
        if self._line_is_ascii(line, start):
            return line, offset - start + 1
        # Resume from the last offset decoded on this line when it lies before this
        # one; decoding stops at a character start, so the counts add up.
        last_offset, last_column = self._last.get(line, (start, 1))
        if not start <= last_offset <= offset:  # (line 1's BOM moves `start`)
            last_offset, last_column = start, 1
        piece = self.source[last_offset:offset]
        column = last_column + len(piece.decode("utf-8", errors="replace"))
        if self._at_char_start(offset):
            self._last[line] = (offset, column)
        return line, column

    def _line_is_ascii(self, line: int, start: int) -> bool:
        known = self._ascii.get(line)
        if known is None:
            known = self._ascii[line] = self.source[start : self.line_end(start)].isascii()
        return known

    def _at_char_start(self, offset: int) -> bool:
        """Whether `offset` is not inside a UTF-8 sequence (a resumable checkpoint)."""
        return offset >= len(self.source) or (self.source[offset] & 0xC0) != 0x80

    def text(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", errors="replace")


def _one_mark_per_byte(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return "?" * (error.end - error.start), error.end


codecs.register_error("panicscan-mark", _one_mark_per_byte)


def utf8_safe(source: bytes) -> bytes:
    """Source with each invalid UTF-8 byte replaced by `?`, so byte offsets stay put.

    tree-sitter's query predicates decode node text as UTF-8 and raise on bad bytes.
    """
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return source.decode("utf-8", "panicscan-mark").encode("utf-8")
    return source


def deeper_than(root: Node, limit: int) -> bool:
    """Whether the tree nests more than `limit` levels (stops early).
    Real Rust nests a few dozen levels; far deeper is generated or hostile.

    A node with n nodes in its subtree and k > 0 children nests at most n - k levels
    below itself (its biggest child holds at most n - k nodes), so only subtrees too
    big to prove shallow are opened: a few thousand nodes per file, not every node.
    """

    # Open a node only when it has children and its bound exceeds the limit.
    opened = [root] if root.child_count else []
    stack = [(node, 0) for node in opened if node.descendant_count - node.child_count > limit]
    while stack:
        node, depth = stack.pop()
        if depth >= limit:
            return True  # it has children, and they are too deep
        below = depth + 1
        stack.extend(
            (child, below)
            for child in node.children
            if child.child_count and below + child.descendant_count - child.child_count > limit
        )
    return False
