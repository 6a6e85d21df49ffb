"""Name the items that enclose a node: `impl Parser / fn next`, `mod a / fn f`."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from bot.core.ancestry import Ancestry, Fold

_NAMED_ITEMS = {
    "function_item": "fn",
    "function_signature_item": "fn",
    "mod_item": "mod",
    "trait_item": "trait",
    "struct_item": "struct",
    "enum_item": "enum",
    "union_item": "union",
    "const_item": "const",
    "static_item": "static",
    "macro_definition": "macro_rules!",
}


@dataclass(frozen=True)
class EnclosingItems:
    """Item labels from outermost to innermost, and the innermost item's byte span."""

    labels: tuple[str, ...]
    innermost: tuple[int, int] | None


# One enclosing item: its label and byte span.
_Item = tuple[str, int, int]


class Items:
    """The items around nodes of one tree; each ancestor is labelled once."""

    def __init__(self, ancestry: Ancestry) -> None:
        self._ancestry = ancestry
        self._fold: Fold[tuple[_Item, ...]] = Fold(ancestry, _with_label, ())

    def around(self, node: Node, within: tuple[int, int] | None = None) -> EnclosingItems:
        """Items around `node`; with `within`, only items lying inside that byte range
        count (used for re-parsed macro text, whose synthetic wrapper must not be named)."""
        parent = self._ancestry.parent(node)
        items = self._fold(parent) if parent is not None else ()
        if within is not None:
            items = tuple(i for i in items if within[0] <= i[1] and i[2] <= within[1])
        innermost = (items[-1][1], items[-1][2]) if items else None
        return EnclosingItems(tuple(label for label, _, _ in items), innermost)


def _with_label(above: tuple[_Item, ...], node: Node) -> tuple[_Item, ...]:
    label = _label(node)
    return above if label is None else (*above, (label, node.start_byte, node.end_byte))


def _label(node: Node) -> str | None:
    if node.type == "impl_item":
        type_text = _field_text(node, "type")
        trait_text = _field_text(node, "trait")
        return f"impl {trait_text} for {type_text}" if trait_text else f"impl {type_text}"
    keyword = _NAMED_ITEMS.get(node.type)
    if keyword is None:
        return None
    return f"{keyword} {_field_text(node, 'name') or '_'}"


def _field_text(node: Node, field: str) -> str:
    child = node.child_by_field_name(field)
    if child is None or child.text is None:
        return ""
    return " ".join(child.text.decode("utf-8", errors="replace").split())
