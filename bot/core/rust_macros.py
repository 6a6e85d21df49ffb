"""Look inside macro token trees, which tree-sitter leaves unparsed.

`format!("{}", x.unwrap())` or a `macro_rules!` body is just a flat token tree, so
the rules' queries would find nothing in it. We re-parse each tree's contents inside
a small synthetic wrapper and map byte offsets back to the file (a pure shift),
level by level for nested macros. Parsing uses a copy where `$` is blanked out, so
`$e.unwrap()` in a macro body parses as `e.unwrap()`; byte lengths do not change.

For speed, all token trees of one nesting level are parsed together as one synthetic
file (one parse, one query run per rule); a tree whose wrapper does not parse
cleanly there is re-parsed alone, trying the other wrappers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from bot.core.rust_items import enclosing_items
from bot.core.rust_syntax import count_error_regions, parse
from bot.core.testcode import in_test_code

MAX_MACRO_DEPTH = 8

TOKEN_TREES = """
(macro_invocation (token_tree) @tt)
(macro_definition (macro_rule right: (token_tree) @tt))
"""

# Tuple form fits argument lists (`"{}", a, b = c`); block form fits statements and
# item bodies; array form fits `vec![x; n]`-style contents.
_WRAPPERS: tuple[tuple[bytes, bytes], ...] = (
    (b"fn __panicscan() { (", b"\n); }"),
    (b"fn __panicscan() {\n", b"\n}"),
    (b"fn __panicscan() { [", b"\n]; }"),
)


@dataclass(frozen=True)
class Layer:
    """One stretch of real source inside a parse tree: the whole file, or one macro's
    contents. A node at tree offset `b` sits at file offset `b + delta`; only nodes
    inside [lo, hi) (tree offsets) are real source, the rest is synthetic wrapper."""

    delta: int
    lo: int
    hi: int
    outer_labels: tuple[str, ...]
    outer_item: tuple[int, int] | None
    outer_test: bool
    depth: int
    # The invoked macro's name (`vec`, `impl_Integer`), "" for the file and macro_rules! bodies.
    macro: str = ""

    def contains(self, node: Node) -> bool:
        return self.lo <= node.start_byte and node.end_byte <= self.hi

    def within(self) -> tuple[int, int] | None:
        return None if self.depth == 0 else (self.lo, self.hi)


@dataclass(frozen=True)
class Batch:
    """One parse tree and the layers it holds, sorted by position."""

    root: Node
    layers: tuple[Layer, ...]
    # The layers' starts, built once: a batch can hold thousands of macro calls.
    los: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "los", tuple(layer.lo for layer in self.layers))

    def layer_of(self, node: Node) -> Layer | None:
        index = bisect_right(self.los, node.start_byte) - 1
        if index < 0:
            return None
        layer = self.layers[index]
        return layer if layer.contains(node) else None


@dataclass(frozen=True)
class _Pending:
    """A token tree to expand: its contents (file offsets) and what surrounds it."""

    start: int
    contents: bytes
    outer_labels: tuple[str, ...]
    outer_item: tuple[int, int] | None
    outer_test: bool
    depth: int
    macro: str


def _macro_name(tree: Node) -> str:
    """`vec` for `vec![..]`, `format` for `std::format!(..)`; "" for macro_rules! bodies."""
    invocation = tree.parent
    if invocation is None or invocation.type != "macro_invocation":
        return ""
    name = invocation.child_by_field_name("macro")
    if name is None or name.text is None:
        return ""
    return name.text.decode("utf-8", "replace").rsplit("::", 1)[-1].strip()


def file_batch(root: Node) -> Batch:
    return Batch(root, (Layer(0, 0, root.end_byte, (), None, False, 0),))


def pending_trees(
    source: bytes,
    batch: Batch,
    trees: Sequence[Node],
    ranges: Sequence[tuple[int, int]] | None,
    *,
    include_tests: bool,
) -> list[_Pending]:
    """The token trees (matches of TOKEN_TREES in `batch`) worth parsing: inside real
    source, touching `ranges` (file offsets; None = everywhere), not skipped test code."""
    pending: list[_Pending] = []
    seen: set[int] = set()
    for tree in trees:
        layer = batch.layer_of(tree)
        if layer is None or tree.start_byte in seen or layer.depth >= MAX_MACRO_DEPTH:
            continue
        seen.add(tree.start_byte)
        start, end = tree.start_byte + layer.delta + 1, tree.end_byte + layer.delta - 1
        if ranges is not None and not any(lo < end + 1 and start - 1 < hi for lo, hi in ranges):
            continue
        contents = source[start:end]
        # Nothing any rule looks for can hide in contents without these characters.
        if end <= start or not any(mark in contents for mark in (b".", b"[", b"!")):
            continue
        outer_test = layer.outer_test or in_test_code(tree)
        if outer_test and not include_tests:
            continue
        items = enclosing_items(tree, layer.within())
        outer_item = layer.outer_item
        if items.innermost is not None:
            outer_item = (items.innermost[0] + layer.delta, items.innermost[1] + layer.delta)
        pending.append(
            _Pending(
                start,
                contents,
                layer.outer_labels + items.labels,
                outer_item,
                outer_test,
                layer.depth + 1,
                _macro_name(tree),
            )
        )
    return pending


def parse_level(pending: Sequence[_Pending]) -> list[Batch]:
    """Parse one nesting level of token trees: one shared parse, lone re-parses on error."""
    prefix, suffix = _WRAPPERS[0]
    pieces: list[bytes] = []
    offsets: list[int] = []
    position = 0
    for item in pending:
        offsets.append(position)
        piece = prefix + item.contents.replace(b"$", b" ") + suffix + b"\n"
        pieces.append(piece)
        position += len(piece)
    root = parse(b"".join(pieces))
    clean = {
        child.start_byte: child
        for child in root.named_children
        if child.type == "function_item" and not child.has_error
    }
    layers: list[Layer] = []
    batches: list[Batch] = []
    for item, offset, piece in zip(pending, offsets, pieces, strict=True):
        wrapper = clean.get(offset)
        if wrapper is not None and wrapper.end_byte == offset + len(piece) - 1:
            layers.append(_layer(item, offset + len(prefix)))
        else:
            batches.append(_parse_alone(item))
    if layers:
        batches.insert(0, Batch(root, tuple(layers)))
    return batches


def _parse_alone(item: _Pending) -> Batch:
    """Try each wrapper; the first clean parse wins, else the one with fewest errors."""
    blanked = item.contents.replace(b"$", b" ")
    best: tuple[int, Node, int] | None = None
    for prefix, suffix in _WRAPPERS:
        root = parse(prefix + blanked + suffix)
        errors = count_error_regions(root)
        if best is None or errors < best[0]:
            best = (errors, root, len(prefix))
        if errors == 0:
            break
    assert best is not None  # _WRAPPERS is not empty
    _, root, content_at = best
    return Batch(root, (_layer(item, content_at),))


def _layer(item: _Pending, content_at: int) -> Layer:
    return Layer(
        delta=item.start - content_at,
        lo=content_at,
        hi=content_at + len(item.contents),
        outer_labels=item.outer_labels,
        outer_item=item.outer_item,
        outer_test=item.outer_test,
        depth=item.depth,
        macro=item.macro,
    )
