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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from bot.core.model import Rule
from bot.core.rule_match import needles_of

# Needle spans closer than this are queried as one range: each range costs the cursor
# a walk down from the root (~10 µs), each byte inside one a little node walking.
MERGE_GAP_BYTES = 128


@dataclass(frozen=True)
class Needles:
    """The distinct needles of a rule set."""

    patterns: tuple[re.Pattern[bytes], ...]
    # One alternation for short texts (separate patterns keep sre's fast literal
    # search on whole files; an alternation would lose it).
    either: re.Pattern[bytes]
    # The same for the rules that look into macro_rules! bodies (None: no rule does).
    in_macro_rules: re.Pattern[bytes] | None

    def ranges(self, source: bytes) -> list[tuple[int, int]]:
        """Sorted, disjoint byte ranges of `source` covering every needle."""
        lowered = source.lower()
        found = (map(re.Match.span, pattern.finditer(lowered)) for pattern in self.patterns)
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
    return _compiled(_texts(per_rule), _texts(in_rules))


def _texts(per_rule: Sequence[tuple[re.Pattern[bytes], ...]]) -> tuple[bytes, ...]:
    return tuple(dict.fromkeys(p.pattern for patterns in per_rule for p in patterns))


@lru_cache(maxsize=64)
def _compiled(texts: tuple[bytes, ...], in_rules: tuple[bytes, ...]) -> Needles:
    in_macro_rules = _either(in_rules) if in_rules else None
    return Needles(tuple(re.compile(text) for text in texts), _either(texts), in_macro_rules)


def _either(texts: tuple[bytes, ...]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(b"(?:" + text + b")" for text in texts))
