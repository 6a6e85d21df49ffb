"""Settle one file's raw matches into findings: overlaps resolved, suppressions marked.

Runs after every rule has matched, because both steps look across rules: a rule
that `yield_to`s another drops its match where that rule flagged the same start
(one comment per spot, the most specific one), and an inline ignore may sit on a
line no rule looked at.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from bot.core.clippy_config import DEFAULT_CLIPPY_CONFIG, ClippyConfig
from bot.core.grading import context_of, grade
from bot.core.model import Finding, Rule
from bot.core.rule_match import ids_of
from bot.core.rust_syntax import SourceText
from bot.core.suppress import (
    InlineIgnore,
    allowed_by_attribute,
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
    known_ids: frozenset[str],
    line_offset: int,
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG,
) -> list[Finding]:
    by_id = {rule.id: rule for rule in rules}
    starts = {(h.finding.rule, h.finding.line, h.finding.column) for h in hits}
    ignores: dict[int, list[InlineIgnore]] = {}
    for each in inline_ignores(root, text, known_ids):
        ignores.setdefault(each.line, []).append(each)
    settled: list[Finding] = []
    for hit in hits:
        finding = hit.finding
        rule = by_id.get(finding.rule)
        yields = ids_of(rule.match, "yield_to") if rule is not None else frozenset()
        if any((other, finding.line, finding.column) in starts for other in yields):
            continue
        if finding.rule == INVALID_IGNORE:
            comment = text.text(hit.start_byte, hit.end_byte)
            ignore, problem = check_ignore(comment, known_ids)
            if ignore is not None:
                continue
            finding = dataclasses.replace(finding, message=f"{finding.message}: {problem}")
        if finding.suppressed is None:
            finding = dataclasses.replace(
                finding,
                suppressed=_suppression(hit, finding, root, ignores, line_offset)
                or _configured(hit, finding, clippy),
            )
        settled.append(_graded(hit, finding, root, text, line_offset))
    return settled


def _graded(hit: Hit, finding: Finding, root: Node, text: SourceText, offset: int) -> Finding:
    context = context_of(root, text.source, hit.start_byte, max(hit.end_byte, hit.start_byte))
    local = finding.line - offset
    line_text = ""
    if 1 <= local <= text.line_count:
        start, end = text.line_span(local)
        if end - start <= MAX_SUGGESTION_LINE_BYTES:
            line_text = text.text(start, end).rstrip("\r\n")
    return grade(finding, context, in_const=hit.in_const, line_text=line_text)


def _suppression(
    hit: Hit,
    finding: Finding,
    root: Node,
    ignores: Mapping[int, Sequence[InlineIgnore]],
    line_offset: int,
) -> str | None:
    if allowed_by_attribute(root, hit.start_byte, hit.lints):
        return "allow-attribute"
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
