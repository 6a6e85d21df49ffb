"""Look inside macro token trees, which tree-sitter leaves unparsed.

`format!("{}", x.unwrap())` or a `macro_rules!` body is just a flat token tree, so
the rules' queries would find nothing in it. We re-parse each tree's contents inside
a small synthetic wrapper and map byte offsets back to the file (a pure shift),
level by level for nested macros. Parsing uses a copy where `$` is blanked out, so
`$e.unwrap()` in a macro body parses as `e.unwrap()`; byte lengths do not change.

For speed, the token trees of one nesting level are parsed together as one synthetic
file (one parse, one query run); a tree whose wrapper does not parse cleanly there is
re-parsed alone, trying the other wrappers (see parse_level).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from bot.core.ancestry import Ancestry
from bot.core.needles import Needles
from bot.core.rust_items import Items
from bot.core.rust_syntax import count_error_regions, parse
from bot.core.testcode import TestCode

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
    """One parse tree and the layers it holds, sorted by position, with the memoised
    facts about its nodes' ancestors."""

    root: Node
    layers: tuple[Layer, ...]
    # The layers' starts, built once: a batch can hold thousands of macro calls.
    los: tuple[int, ...] = field(init=False, repr=False, compare=False)
    ancestry: Ancestry = field(init=False, repr=False, compare=False)
    items: Items = field(init=False, repr=False, compare=False)
    test: TestCode = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ancestry = Ancestry()
        object.__setattr__(self, "los", tuple(layer.lo for layer in self.layers))
        object.__setattr__(self, "ancestry", ancestry)
        object.__setattr__(self, "items", Items(ancestry))
        object.__setattr__(self, "test", TestCode(ancestry))

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
    # The token tree itself (in its batch's tree, file offset = node offset + delta):
    # where a macro's own syntax (`json!`'s `"a": x`) fails, its pieces parse alone.
    tree: Node | None = field(default=None, compare=False, repr=False)
    delta: int = 0


def _macro_name(tree: Node, ancestry: Ancestry) -> str:
    """`vec` for `vec![..]`, `format` for `std::format!(..)`; "" for macro_rules! bodies."""
    invocation = ancestry.parent(tree)
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
    needles: Needles | None = None,
    mark_tests: bool = True,
) -> list[_Pending]:
    """The token trees (matches of TOKEN_TREES in `batch`) worth parsing: inside real
    source, touching `ranges` (file offsets; None = everywhere), holding one of the
    rules' `needles` (when each rule has them), not skipped test code. Without
    `mark_tests` (nobody will ask), layers are not told whether they are test code."""
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
        if end <= start:
            continue
        # Blanked as it will be parsed: the needles must be where the queries look.
        blanked = contents.replace(b"$", b" ")
        # Most trees hold no needle at all: rule them out before the ancestor walks.
        if needles is not None and not needles.found_in(blanked):
            continue
        outer_test = layer.outer_test
        if not outer_test and (mark_tests or not include_tests):
            outer_test = batch.test(tree)
        if outer_test and not include_tests:
            continue
        items = batch.items.around(tree, layer.within())
        labels = layer.outer_labels + items.labels
        in_rules = any(label.startswith("macro_rules!") for label in labels)
        if needles is not None and in_rules and not needles.found_in(blanked, in_macro_rules=True):
            continue
        outer_item = layer.outer_item
        if items.innermost is not None:
            outer_item = (items.innermost[0] + layer.delta, items.innermost[1] + layer.delta)
        pending.append(
            _Pending(
                start,
                contents,
                labels,
                outer_item,
                outer_test,
                layer.depth + 1,
                _macro_name(tree, batch.ancestry),
                tree,
                layer.delta,
            )
        )
    return pending


def parse_level(pending: Sequence[_Pending]) -> list[Batch]:
    """Parse one nesting level of token trees: shared parses, lone re-parses on error.

    The trees are parsed together in the first wrapper. A tree whose wrapped text
    begins at the top level there but does not parse cleanly fails that wrapper alone
    too (the parser was in the same state when it began), so alone it tries the other
    wrappers first; trees a neighbour's error swallowed are parsed together again
    without it. The outcome is that of trying each tree's wrappers alone, in order
    (first clean parse wins, else fewest errors); error recovery makes a failing parse
    slow, and this way a tree meets a failing wrapper once when another one is clean.
    """
    batches: list[Batch] = []
    groups: dict[int, list[_Pending]] = {}
    for item in pending:
        groups.setdefault(_order(item)[0], []).append(item)
    for first, group in groups.items():
        prefix, suffix = _WRAPPERS[first]
        todo = group
        while todo:
            batch, broken, swallowed = _parse_together(todo, prefix, suffix)
            if batch is not None:
                batches.append(batch)
            for item in broken:
                batches.extend(_parse_alone_or_pieces(item, failed=1))
            if len(swallowed) == len(todo):  # no progress: parse them alone
                for item in swallowed:
                    batches.extend(_parse_alone_or_pieces(item))
                break
            todo = swallowed
    return batches


def _order(item: _Pending) -> tuple[int, ...]:
    """The wrappers to try for `item`, in order: a macro call's contents are mostly
    arguments (the tuple form first); a macro_rules! body is mostly statements and
    items, which fail the tuple form and make error recovery slow (block form first)."""
    return (1, 0, 2) if item.macro == "" else (0, 1, 2)


def _parse_together(
    items: Sequence[_Pending], prefix: bytes, suffix: bytes
) -> tuple[Batch | None, list[_Pending], list[_Pending]]:
    """One shared parse: the batch of the clean items, the items whose own wrapped text
    failed, and the items a neighbour's error swallowed."""
    pieces: list[bytes] = []
    offsets: list[int] = []
    position = 0
    for item in items:
        offsets.append(position)
        piece = prefix + item.contents.replace(b"$", b" ") + suffix + b"\n"
        pieces.append(piece)
        position += len(piece)
    root = parse(b"".join(pieces))
    # A top-level node starting at a piece's offset means the parser began the piece
    # at the top level, as it would alone; else a neighbour's error ran into it.
    starts = {child.start_byte: child for child in root.children}
    layers: list[Layer] = []
    broken: list[_Pending] = []
    swallowed: list[_Pending] = []
    for item, offset, piece in zip(items, offsets, pieces, strict=True):
        wrapper = starts.get(offset)
        if wrapper is None:
            swallowed.append(item)
        elif (
            wrapper.type != "function_item"
            or wrapper.has_error
            or wrapper.end_byte != offset + len(piece) - 1
        ):
            broken.append(item)
        else:
            layers.append(_layer(item, offset + len(prefix)))
    return (Batch(root, tuple(layers)) if layers else None), broken, swallowed


def _parse_alone(item: _Pending, failed: int = 0) -> Batch:
    """Try each wrapper alone; the first clean parse wins, else the one with fewest
    errors (the first of equals). The first `failed` wrappers are known to fail, so
    they are parsed only when no other is clean, to count their errors."""
    blanked = item.contents.replace(b"$", b" ")
    tried: dict[int, tuple[int, Node]] = {}
    order = _order(item)
    for index in (*order[failed:], *order[:failed]):
        prefix, suffix = _WRAPPERS[index]
        root = parse(prefix + blanked + suffix)
        tried[index] = (count_error_regions(root), root)
        if tried[index][0] == 0:
            break
    best = min(tried, key=lambda index: (tried[index][0], order.index(index)))
    return Batch(tried[best][1], (_layer(item, len(_WRAPPERS[best][0])),))


# What separates the pieces of a macro's own syntax: `"a": x, "b": y` (json!),
# `_ = tick => v[1],` (select!), `key = value; other = value`.
_PIECE_SEPARATORS = frozenset({",", ";", ":", "=>", "=", "|"})
MAX_PIECE_DEPTH = 4


def _parse_alone_or_pieces(item: _Pending, failed: int = 0) -> list[Batch]:
    """`_parse_alone`; but when no wrapper parses a macro call's contents cleanly, the
    contents are the macro's own syntax (`json!({"a": m.get("k").unwrap()})`), and
    error recovery guesses wrong (`"a"` unwrapped) or loses the code: then its pieces
    between separators are parsed alone instead, each as an expression."""
    batch = _parse_alone(item, failed)
    if item.macro == "" or item.tree is None or count_error_regions(batch.root) == 0:
        return [batch]
    pieces = _pieces(item.tree, item.delta - item.start, MAX_PIECE_DEPTH)
    if len(pieces) < 2:
        return [batch]
    return [
        _parse_alone(replace(item, start=item.start + lo, contents=item.contents[lo:hi], tree=None))
        for lo, hi in pieces
    ]


def _pieces(tree: Node, shift: int, depth: int) -> list[tuple[int, int]]:
    """Spans (relative to the contents, `shift` maps node offsets there) of the pieces
    between separators inside token tree `tree`; a piece that is one `{..}` or `[..]`
    group (`{"b": x}`, `[v[1], 2]`) is split in turn, `depth` levels down at most. A
    `(..)` group stays whole (json!'s `(expr): value` key), and so do separators
    between `<` and `>` (`foo::<A, B>(x)`: generic arguments, not two pieces)."""
    inner = tree.children[1:-1]  # without the delimiters
    pieces: list[tuple[int, int]] = []
    group: list[Node] = []
    angles = 0
    for child in [*inner, None]:
        if child is not None and (angles > 0 or child.type not in _PIECE_SEPARATORS):
            group.append(child)
            if child.type == "<":
                angles += 1
            elif child.type == ">":
                angles = max(0, angles - 1)
            continue
        if len(group) == 1 and _splittable_group(group[0]) and depth > 0:
            pieces.extend(_pieces(group[0], shift, depth - 1))
        elif group:
            pieces.append((group[0].start_byte + shift, group[-1].end_byte + shift))
        group = []
        angles = 0
    return pieces


def _splittable_group(node: Node) -> bool:
    if node.type != "token_tree" or node.child_count == 0:
        return False
    return node.children[0].type in ("{", "[")


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
