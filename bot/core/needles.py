"""Where in a text the rules could match at all: around their needles.

A rule's `match.needles` are regexes that every match of its query overlaps
(`.unwrap()` contains `unwrap`, an index expression its `[`). tree-sitter's query
cursor walks every node of the tree, which costs about half a parse; when each rule
has needles, a whole-file scan instead queries small byte ranges around them (the
cursor returns the matches that intersect a range), and macro contents without a
needle are not re-parsed. Needles run on the text with ASCII letters lowercased (a
byte-for-byte map, so offsets stay put), which makes `panicscan` find `PanicScan`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from tree_sitter import Node

from bot.core.model import Rule
from bot.core.rule_match import needles_of

# Needle spans closer than this are queried as one range: each range costs the cursor
# a walk down from the root (~10 µs), each byte inside one a little node walking.
MERGE_GAP_BYTES = 128
_LETTERS = re.compile(rb"[a-z_]{2}")


@dataclass(frozen=True)
class Needles:
    """The distinct needles of a rule set."""

    patterns: tuple[re.Pattern[bytes], ...]
    # One alternation for short texts (separate patterns keep sre's fast literal
    # search on whole files; an alternation would lose it).
    either: re.Pattern[bytes]
    # The same for the rules that look into macro_rules! bodies (None: no rule does).
    in_macro_rules: re.Pattern[bytes] | None

    # Needles only the rules with `file_needles` have (panic-in-drop's `assert`, say,
    # when assert-in-production does not run): looked for only inside `regions`.
    regional: tuple[re.Pattern[bytes], ...] = ()

    def ranges(
        self,
        source: bytes,
        regions: Sequence[tuple[int, int]] = (),
        *,
        lowered: bytes | None = None,
    ) -> list[tuple[int, int]]:
        """Sorted, disjoint byte ranges of `source` covering every needle (the
        regional ones only inside `regions`); `lowered` is `source.lower()`, when the
        caller has it."""
        if lowered is None:
            lowered = source.lower()
        found = [map(re.Match.span, pattern.finditer(lowered)) for pattern in self.patterns]
        for start, end in regions:
            found.extend(
                map(re.Match.span, pattern.finditer(lowered, start, end))
                for pattern in self.regional
            )
        spans = sorted(chain.from_iterable(found))
        ranges: list[tuple[int, int]] = []
        for start, stop in spans:
            end = max(stop, start + 1)  # a zero-width needle still marks a spot
            if ranges and start - ranges[-1][1] <= MERGE_GAP_BYTES:
                if end > ranges[-1][1]:
                    ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
        return ranges

    def found_in(self, text: bytes, *, in_macro_rules: bool = False) -> bool:
        """Whether some rule could match in `text` (inside a macro_rules! body, with
        `in_macro_rules`: the rules that skip those bodies do not count)."""
        pattern = self.in_macro_rules if in_macro_rules else self.either
        return pattern is not None and pattern.search(text.lower()) is not None


def needles_for(rules: Sequence[Rule]) -> Needles | None:
    """The rules' needles, or None when some rule has none (it could match anywhere)."""
    per_rule = [needles_of(rule.match) for rule in rules]
    if not per_rule or not all(per_rule):
        return None
    in_rules = [
        patterns
        for rule, patterns in zip(rules, per_rule, strict=True)
        if not rule.match.get("skip_in_macro_rules")
    ]
    everywhere = [
        patterns
        for rule, patterns in zip(rules, per_rule, strict=True)
        if not needles_of(rule.match, "file_needles")
    ]
    return _compiled(_texts(per_rule), _texts(in_rules), _texts(everywhere))


def regions(root: Node, lowered: bytes, rules: Sequence[Rule]) -> list[tuple[int, int]]:
    """Where the rules with `file_needles` can match: the top-level items holding a
    file needle (`impl Drop for G {..}`, or the module around it), in the file whose
    source lowercased is `lowered`. Conservative: an item is the smallest span that
    surely holds the whole item the needle names."""
    patterns = [p for rule in rules for p in needles_of(rule.match, "file_needles")]
    if not patterns:
        return []
    hits = sorted(m.start() for pattern in patterns for m in pattern.finditer(lowered))
    if not hits:
        return []
    items = root.children
    starts = [item.start_byte for item in items]
    found: list[tuple[int, int]] = []
    for hit in hits:
        index = bisect_right(starts, hit) - 1
        item = items[index] if index >= 0 else None
        if item is not None and item.end_byte > hit:
            span = (item.start_byte, item.end_byte)
        else:  # between items (in a comment, say): no item to hold a match
            continue
        if not found or found[-1] != span:
            found.append(span)
    return found


def _texts(per_rule: Sequence[tuple[re.Pattern[bytes], ...]]) -> tuple[bytes, ...]:
    return tuple(dict.fromkeys(p.pattern for patterns in per_rule for p in patterns))


@lru_cache(maxsize=64)
def _compiled(
    texts: tuple[bytes, ...], in_rules: tuple[bytes, ...], everywhere: tuple[bytes, ...]
) -> Needles:
    in_macro_rules = _either(in_rules) if in_rules else None
    regional = tuple(text for text in texts if text not in everywhere)
    return Needles(_passes(everywhere), _either(texts), in_macro_rules, _passes(regional))


def _passes(texts: tuple[bytes, ...]) -> tuple[re.Pattern[bytes], ...]:
    """One pattern per run over a file: needles that open with the same two letters
    share one (sre factors the common literal prefix out, so the search stays fast);
    identifier needles cannot overlap, so no span is lost to another's match."""
    groups: dict[bytes, list[bytes]] = {}
    for text in texts:
        key = text[:2] if _LETTERS.fullmatch(text[:2]) else text
        groups.setdefault(key, []).append(text)
    return tuple(
        _either(tuple(group)) if len(group) > 1 else re.compile(group[0])
        for group in groups.values()
    )


def _either(texts: tuple[bytes, ...]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(b"(?:" + text + b")" for text in texts))
