"""Name the items that enclose a node: `impl Parser / fn next`, `mod a / fn f`."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

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


def enclosing_items(node: Node, within: tuple[int, int] | None = None) -> EnclosingItems:
    """Items around `node`; with `within`, only items lying inside that byte range count
    (used for re-parsed macro text, whose synthetic wrapper must not be named)."""
    labels: list[str] = []
    innermost: tuple[int, int] | None = None
    current = node.parent
    while current is not None:
        inside = within is None or (
            within[0] <= current.start_byte and current.end_byte <= within[1]
        )
        label = _label(current) if inside else None
        if label is not None:
            labels.append(label)
            if innermost is None:
                innermost = (current.start_byte, current.end_byte)
        current = current.parent
    labels.reverse()
    return EnclosingItems(tuple(labels), innermost)


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
