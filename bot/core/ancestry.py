"""Facts about a node's ancestors, computed once per node of one tree.

Many steps of a finding ask about the nodes around it: is it test code, which items
enclose it, which lint attributes apply, which function is it in. tree-sitter's
Node.parent walks down from the root each time, so walking up from every finding cost
O(depth²) calls per finding, though most findings share their ancestors. Here each
node's parent is looked up once, and a fact about a node and everything above it is
folded from the same fact of its parent (`Fold`), so the walk stops at the first
ancestor another finding already visited.

Callers refuse trees deeper than rust.MAX_NESTING before asking (rust_syntax.deeper_than).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from tree_sitter import Node

T = TypeVar("T")

_COMMENTS = frozenset({"line_comment", "block_comment"})


class Ancestry:
    """Parents and attributes of the nodes of one tree, each looked up once."""

    def __init__(self) -> None:
        # Node ids are unique within a tree while it is alive (the batch keeps it).
        self._parents: dict[int, Node | None] = {}
        self._outer: dict[int, tuple[Node, ...]] = {}
        self._inner: dict[int, tuple[Node, ...]] = {}

    def parent(self, node: Node) -> Node | None:
        key = node.id
        try:
            return self._parents[key]
        except KeyError:
            parent = self._parents[key] = node.parent
            return parent

    def outer_attributes(self, node: Node) -> tuple[Node, ...]:
        """The `#[...]` items just before `node` (comments between them skipped), in
        source order."""
        key = node.id
        found = self._outer.get(key)
        if found is None:
            attributes: list[Node] = []
            sibling = node.prev_named_sibling
            while sibling is not None and (
                sibling.type == "attribute_item" or sibling.type in _COMMENTS
            ):
                if sibling.type == "attribute_item":
                    attributes.append(sibling)
                sibling = sibling.prev_named_sibling
            found = self._outer[key] = tuple(reversed(attributes))
        return found

    def inner_attributes(self, node: Node) -> tuple[Node, ...]:
        """The `#![...]` items that open `node`'s body (they must come first)."""
        key = node.id
        found = self._inner.get(key)
        if found is None:
            attributes: list[Node] = []
            # Walk lazily: a file's root can have thousands of children.
            for index in range(node.named_child_count):
                child = node.named_child(index)
                if child is None:
                    break
                if child.type == "inner_attribute_item":
                    attributes.append(child)
                elif child.type not in _COMMENTS:
                    break
            found = self._inner[key] = tuple(attributes)
        return found


class Fold(Generic[T]):
    """`value(node) = step(value(parent), node)`, with `top` above the root, memoised
    per node: asking for many nodes of one function walks its ancestors once."""

    def __init__(self, ancestry: Ancestry, step: Callable[[T, Node], T], top: T) -> None:
        self._ancestry = ancestry
        self._step = step
        self._top = top
        self._memo: dict[int, T] = {}

    def __call__(self, node: Node) -> T:
        memo = self._memo
        below: list[Node] = []
        current: Node | None = node
        value = self._top
        while current is not None:
            if current.id in memo:
                value = memo[current.id]
                break
            below.append(current)
            current = self._ancestry.parent(current)
        for each in reversed(below):
            value = self._step(value, each)
            memo[each.id] = value
        return value
