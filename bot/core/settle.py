"""Settle one file's raw matches into findings: overlaps resolved, suppressions marked.

Runs after every rule has matched, because both steps look across rules: a rule
that `yield_to`s another drops its match where that rule flagged the same start
(one comment per spot, the most specific one), and an inline ignore may sit on a
line no rule looked at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from tree_sitter import Node

from bot.core.ancestry import Ancestry, Fold
from bot.core.clippy_config import DEFAULT_CLIPPY_CONFIG, ClippyConfig
from bot.core.grading import OUTSIDE, Around, Context, Contexts, Grade, enclosing, grade
from bot.core.model import Finding, Rule
from bot.core.rule_match import ids_of
from bot.core.rust_syntax import SourceText
from bot.core.suppress import (
    InlineIgnore,
    LintLevels,
    check_ignore,
    ignored_inline,
    inline_ignores,
)

INVALID_IGNORE = "invalid-ignore"
_UNWRAPS = frozenset({"unwrap-used", "unwrap-on-lookup"})
_EXPECTS = frozenset({"expect-used"})
_LAST_CALL = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)\(\s*\)$")
# A `?` suggestion rewrites the whole line; past this many bytes there is none (a
# minified line would make every finding on it decode and copy megabytes).
MAX_SUGGESTION_LINE_BYTES = 1000


@dataclass(frozen=True)
class Hit:
    """A finding before settling, with what settling needs: the file offset of the
    flagged start and the Clippy lints whose `#[allow]` would cover it."""

    finding: Finding
    start_byte: int
    lints: frozenset[str]
    end_byte: int = -1
    in_const: bool = False


def settle(
    hits: Sequence[Hit],
    rules: Sequence[Rule],
    *,
    root: Node,
    text: SourceText,
    known_ids: Mapping[str, str],
    line_offset: int,
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG,
    ancestry: Ancestry | None = None,
) -> list[Finding]:
    """`ancestry` is that of `root`'s tree, when the caller has one to share."""
    by_id = {rule.id: rule for rule in rules}
    starts = {(h.finding.rule, h.finding.line, h.finding.column) for h in hits}
    ignores: dict[int, list[InlineIgnore]] = {}
    for each in inline_ignores(root, text, known_ids):
        ignores.setdefault(each.line, []).append(each)
    levels, contexts = LintLevels(ancestry or Ancestry()), Contexts(text.source)
    spots = _spots(levels)
    settled: list[Finding] = []
    for hit in hits:
        finding = hit.finding
        rule = by_id.get(finding.rule)
        yields = ids_of(rule.match, "yield_to") if rule is not None else frozenset()
        if any((other, finding.line, finding.column) in starts for other in yields):
            continue
        message = finding.message
        if finding.rule == INVALID_IGNORE:
            comment = text.text(hit.start_byte, hit.end_byte)
            ignore, problem = check_ignore(comment, known_ids)
            if ignore is not None:
                continue
            message = f"{message}: {problem}"
        # Lint levels and grading look up from the file tree's node at the flagged start.
        leaf = root.descendant_for_byte_range(hit.start_byte, hit.start_byte)
        around, attributes = spots(leaf) if leaf is not None else (OUTSIDE, ())
        suppressed = finding.suppressed
        if suppressed is None:
            suppressed = _suppression(
                hit, finding, levels.allowed(attributes, hit.lints), ignores, line_offset
            )
            suppressed = suppressed or _configured(hit, finding, clippy)
        context = contexts.at(around, max(hit.end_byte, hit.start_byte))
        graded = _graded(hit, finding, context, text)
        settled.append(_final(finding, message, suppressed, graded))
    return settled


def _final(draft: Finding, message: str, suppressed: str | None, graded: Grade) -> Finding:
    # Built once, field by field: two dataclasses.replace per finding cost far more.
    return Finding(
        rule=draft.rule,
        severity=graded.severity,
        path=draft.path,
        line=draft.line,
        column=draft.column,
        end_line=draft.end_line,
        end_column=draft.end_column,
        message=message,
        fingerprint=draft.fingerprint,
        suppressed=suppressed,
        context=draft.context,
        snippet=draft.snippet,
        item_path=draft.item_path,
        subject=draft.subject,
        risk_notes=graded.risk_notes,
        suggestion=graded.suggestion,
        limit=graded.limit,
    )


# What grading and lint levels need about a spot's ancestors, folded in one walk.
_Spot = tuple[Around, tuple[Node, ...]]


def _spots(levels: LintLevels) -> Fold[_Spot]:
    # The step is bound to `levels`, so no reference cycle outlives settle().
    return Fold(levels.ancestry, partial(_spot_step, levels), (OUTSIDE, ()))


def _spot_step(levels: LintLevels, above: _Spot, node: Node) -> _Spot:
    return enclosing(above[0], node), levels.with_own(above[1], node)


def _graded(hit: Hit, finding: Finding, context: Context, text: SourceText) -> Grade:
    line_text = ""
    if 0 <= hit.start_byte <= len(text.source):  # the flagged start's line
        start, end = text.line_start(hit.start_byte), text.line_end(hit.start_byte)
        if end - start <= MAX_SUGGESTION_LINE_BYTES:
            line_text = text.text(start, end).rstrip("\r\n")
    return grade(finding, context, in_const=hit.in_const, line_text=line_text)


def _suppression(
    hit: Hit,
    finding: Finding,
    allowed: bool,
    ignores: Mapping[int, Sequence[InlineIgnore]],
    line_offset: int,
) -> str | None:
    if allowed:
        return "allow-attribute"
    if not ignores:
        return None
    line = finding.line - line_offset
    near = [*ignores.get(line, ()), *ignores.get(line - 1, ())]  # by line: no full scan
    if ignored_inline(near, finding.rule, line):
        return "inline"
    return None


def _configured(hit: Hit, finding: Finding, clippy: ClippyConfig) -> str | None:
    """clippy.toml: unwraps in consts (a compile-time failure, never a runtime panic)
    and unwraps of the allowed lock results."""
    unwrap, expect = finding.rule in _UNWRAPS, finding.rule in _EXPECTS
    if hit.in_const and (
        (unwrap and clippy.allow_unwrap_in_consts) or (expect and clippy.allow_expect_in_consts)
    ):
        return "config"
    last = _LAST_CALL.search(finding.subject)
    if (unwrap or expect) and last and last.group(1) in clippy.allowed_unwrap_receivers:
        return "config"
    return None
