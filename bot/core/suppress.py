"""Suppressions written in the source: `#[allow(clippy::…)]` and `// panicscan:ignore[…]`.

A suppressed finding is kept and marked (`suppressed="allow-attribute"` or
`"inline"`), never dropped, so reports can count what was waived and why.

Lint attributes follow Clippy's levels: the innermost item, statement or expression
(or `#![…]` scope: module, crate, block) that names the lint decides; `allow` and
`expect` suppress, `warn`, `deny` and `forbid` re-enable. `clippy::restriction`
counts (every lint we map is in that group, and Clippy lets a group be allowed);
`clippy::all` and `clippy::pedantic` do not, as in Clippy. `#[cfg_attr(pred, allow(…))]`
counts as if `pred` held: the author asked for it under some configuration.

An inline ignore is exactly `// panicscan:ignore[rule-id, …] reason`, trailing the
flagged line or alone on the line above. Anything else that mentions
`panicscan:ignore` (unknown id, empty brackets, no reason, no brackets) suppresses
nothing and is reported by the `invalid-ignore` rule instead: a typo must never
silently suppress findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tree_sitter import Node

from bot.core.ancestry import Ancestry
from bot.core.rust_syntax import SourceText, matches

RESTRICTION_GROUP = "restriction"
_LEVEL = re.compile(r"(allow|expect|warn|deny|forbid)\s*\((.*)\)", re.DOTALL)
_CFG_ATTR = re.compile(r"cfg_attr\s*\((.*)\)", re.DOTALL)
_MENTION = re.compile(r"panicscan\s*:\s*ignore", re.IGNORECASE)
_EXACT = re.compile(r"//\s*panicscan:ignore\[([^\]]*)\](.*)", re.DOTALL)
_SCOPES = frozenset({"source_file", "declaration_list", "block"})
_COMMENTS = "[(line_comment) (block_comment)] @comment"


@dataclass(frozen=True)
class InlineIgnore:
    """One well-formed `// panicscan:ignore[…] reason` comment."""

    line: int
    rule_ids: frozenset[str]
    reason: str


def check_ignore(comment: str, known: Mapping[str, str]) -> tuple[InlineIgnore | None, str]:
    """Parse one comment that mentions panicscan:ignore: (ignore, "") or (None, problem).

    `known` maps each name an ignore may use (a rule id or its code, `PS001`) to the
    rule id. The returned ignore has line 0; callers fill in where the comment sits."""
    exact = _EXACT.fullmatch(comment.strip())
    if exact is None:
        return None, "write it as `// panicscan:ignore[rule-id] reason`"
    ids = [part.strip() for part in exact.group(1).split(",")]
    if not any(ids):
        return None, "name the rule id(s) inside the brackets"
    unknown = [name for name in ids if name not in known]
    if unknown:
        return None, f"unknown rule id `{unknown[0][:40]}`"
    reason = exact.group(1 + 1).strip()
    if not reason:
        return None, "add the reason after the brackets"
    return InlineIgnore(0, frozenset(known[name] for name in ids), reason), ""


def inline_ignores(
    root: Node, text: SourceText, known: Mapping[str, str]
) -> tuple[InlineIgnore, ...]:
    """Every well-formed inline ignore in the file."""
    if b"panicscan" not in text.source.lower():
        return ()
    found: list[InlineIgnore] = []
    for captures in matches(_COMMENTS, root):
        node = captures["comment"][0]
        comment = text.text(node.start_byte, node.end_byte)
        if not _MENTION.search(comment) or _is_doc_comment(comment):
            continue
        ignore, _ = check_ignore(comment, known)
        if ignore is not None:
            line = text.line_of(node.start_byte)
            found.append(InlineIgnore(line, ignore.rule_ids, ignore.reason))
    return tuple(found)


def ignored_inline(ignores: Iterable[InlineIgnore], rule_id: str, line: int) -> bool:
    return any(rule_id in i.rule_ids and i.line in (line, line - 1) for i in ignores)


def _is_doc_comment(comment: str) -> bool:
    return comment.startswith(("///", "//!", "/**", "/*!"))


class LintLevels:
    """Whether the innermost lint attribute around a spot that names one of a finding's
    lints (or the restriction group) allows it; each attribute is read once per set of
    lints. The attributes around a spot are folded from the root down with `with_own`:
    every attribute on the way, outermost first, and on one node outer before inner,
    so the last one that sets a level is the one that counts."""

    def __init__(self, ancestry: Ancestry) -> None:
        self.ancestry = ancestry
        self._levels: dict[tuple[int, frozenset[str]], str | None] = {}

    def allowed(self, attributes: tuple[Node, ...], lints: frozenset[str]) -> bool:
        """Whether `attributes` (those around a spot, from `with_own`) allow `lints`."""
        if not lints:
            return False
        wanted = frozenset({*lints, RESTRICTION_GROUP})
        for attribute in reversed(attributes):
            key = (attribute.id, wanted)
            if key not in self._levels:
                self._levels[key] = _attribute_level(attribute, wanted)
            level = self._levels[key]
            if level is not None:
                return level in ("allow", "expect")
        return False

    def with_own(self, above: tuple[Node, ...], node: Node) -> tuple[Node, ...]:
        """The attributes around `node`, from those around its parent."""
        own = self.ancestry.outer_attributes(node)
        if node.type in _SCOPES:
            own += self.ancestry.inner_attributes(node)
        return above + own if own else above


def _attribute_level(item: Node, wanted: frozenset[str]) -> str | None:
    for child in item.named_children:
        if child.type == "attribute" and child.text is not None:
            return _level_of(child.text.decode("utf-8", "replace"), wanted)
    return None


def _level_of(text: str, wanted: frozenset[str]) -> str | None:
    compact = " ".join(text.split())
    cfg = _CFG_ATTR.fullmatch(compact)
    if cfg is not None:
        level = None
        for part in _split_top(cfg.group(1))[1:]:
            level = _level_of(part, wanted) or level
        return level
    found = _LEVEL.fullmatch(compact)
    if found is None:
        return None
    for part in _split_top(found.group(2)):
        name = "".join(part.split())
        if name.startswith("clippy::") and name[len("clippy::") :] in wanted:
            return found.group(1)
    return None


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses and string literals."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    previous = ""
    for ch in text:
        if ch == '"' and previous != "\\":
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        previous = ch
    parts.append("".join(current).strip())
    return [part for part in parts if part]
