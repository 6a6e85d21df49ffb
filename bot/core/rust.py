"""Run rules over the changed lines of one Rust file and turn matches into findings.

The file is parsed once; the rules' queries (joined into one) run only over the byte
ranges of the changed lines, or, when every line counts, around the rules' needles
(bot/core/needles.py), plus the re-parsed contents of macros that touch them. A match
is reported when its flagged span starts on a changed line.

Query captures a rule may use: `@flag` (required) is the flagged expression, whose
text feeds the snippet and fingerprint; `@start` (optional) moves the reported
start, e.g. to the `.` of `.unwrap()` so multi-line chains point at that line;
every capture's text can appear in the message template as `{name}`.
"""

from __future__ import annotations

import re
import string
import time
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from tree_sitter import Node

from bot.core.ancestry import Fold
from bot.core.arrays import evidently_array
from bot.core.clippy_config import DEFAULT_CLIPPY_CONFIG, ClippyConfig
from bot.core.conversions import infallible_conversion
from bot.core.fingerprint import fingerprint
from bot.core.model import Finding, Problem, Rule, rule_names
from bot.core.needles import needles_for, regions
from bot.core.occurrence import CompactItems
from bot.core.occurrence import compact as _compact  # noqa: F401 - tests import it here
from bot.core.rule_match import ids_of, lint_choice, needles_of, phrases_of, regexes_of
from bot.core.rust_macros import TOKEN_TREES, Batch, Layer, file_batch, parse_level, pending_trees
from bot.core.rust_syntax import (
    SourceText,
    combine_queries,
    count_error_regions,
    deeper_than,
    indexed_matches,
    parse,
    utf8_safe,
)
from bot.core.settle import Hit, settle
from bot.core.testcode import is_test_path

# Test-code findings are kept, marked suppressed="test-code" (False drops them instead).
KEEP_SUPPRESSED = True
# Real code nests a few dozen syntax levels; far deeper is generated or hostile.
MAX_NESTING = 256

MESSAGE_EXPR_CHARS = 60
SNIPPET_CHARS = 200
# ScanOptions.max_findings_per_file's default: past it the rest are counted, not built.
DEFAULT_MAX_FINDINGS_PER_FILE = 1_000
# Message placeholders render from at most this much of a capture: a capture can be a
# megabyte-long chain, and the message shows MESSAGE_EXPR_CHARS of it.
_MESSAGE_SOURCE_BYTES = 4096
_TIGHT = re.compile(r"\s+(?=[.?)\]])|(?<=[(\[])\s+")


@dataclass(frozen=True)
class FileAnalysis:
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    parse_ms: float
    # Findings past max_findings that were counted but not reported.
    left_out: int = 0


@dataclass(frozen=True)
class _Scope:
    """What stays fixed for one analyse_file call."""

    path: str
    text: SourceText
    changed: frozenset[int] | None  # local (unshifted) lines
    include_tests: bool
    context: str
    line_offset: int
    file: Batch  # the file's own tree
    compact_items: CompactItems
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG
    # Lazily decoded texts for the array check: "" -> whole file, (start, end) -> one fn.
    texts: dict[object, str] = field(default_factory=dict)
    # (rule id, item labels) -> whether the rule's item filters let a match there pass.
    fits: dict[tuple[str, tuple[str, ...]], bool] = field(default_factory=dict)
    # The nearest function_item around a node of the file tree (closures do not stop it).
    functions: Fold[Node | None] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "functions", Fold(self.file.ancestry, _function_step, None))

    def file_text(self) -> str:
        if "" not in self.texts:
            self.texts[""] = self.text.text(0, len(self.text.source))
        return self.texts[""]

    def fn_text(self, offset: int) -> str:
        """The text of the function around file offset `offset` ("" outside any)."""
        leaf = self.file.root.descendant_for_byte_range(offset, offset)
        node = self.functions(leaf) if leaf is not None else None
        if node is None:
            return ""
        key = (node.start_byte, node.end_byte)
        if key not in self.texts:
            self.texts[key] = self.text.text(node.start_byte, node.end_byte)
        return self.texts[key]


def _function_step(above: Node | None, node: Node) -> Node | None:
    return node if node.type == "function_item" else above


def analyse_file(
    path: str,
    source: bytes,
    changed_lines: frozenset[int] | None,
    rules: Sequence[Rule],
    *,
    include_tests: bool = False,
    context: str = "full",
    line_offset: int = 0,
    known_rule_ids: Mapping[str, str] | None = None,
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG,
    test_file: bool = False,
    max_findings: int | None = None,
    parsed: tuple[Node, float] | None = None,
) -> FileAnalysis:
    """Findings of `rules` on `changed_lines` (head-side numbers; None = every line).

    `line_offset` is added to every line: a caller parsing a lone hunk that starts at
    head line offset+1 passes it together with head-side `changed_lines`.
    `known_rule_ids` maps the names an inline ignore may use (ids, codes) to rule ids
    (default: those of `rules`).
    `test_file` marks the whole file as test code (a `#[cfg(test)] mod x;` points at it).
    Past `max_findings` (None = no cap; by file position) the rest are only counted: a Problem says
    how many were left out, and `left_out` holds the number.
    `parsed` is the tree of `utf8_safe(source)` and its parse ms, when the caller has it.
    """
    if is_test_path(path) and not include_tests and not KEEP_SUPPRESSED:
        return FileAnalysis((), (), 0.0)
    started = time.perf_counter()
    source = utf8_safe(source)
    if parsed is None:
        root = parse(source)
        parse_ms = (time.perf_counter() - started) * 1000.0
    else:
        root, parse_ms = parsed
    text = SourceText(source)
    local = None if changed_lines is None else frozenset(n - line_offset for n in changed_lines)
    file = file_batch(root)
    scope = _Scope(
        path, text, local, include_tests, context, line_offset, file, CompactItems(root), clippy
    )
    ranges = _byte_ranges(text, local)
    problems: list[Problem] = []
    errors = count_error_regions(root)
    if errors:
        problems.append(Problem(path, f"syntax errors: {errors} regions"))
    if ranges == []:
        return FileAnalysis((), tuple(problems), parse_ms)

    file_is_test = test_file or is_test_path(path)
    lowered = source.lower()  # what needles and file needles run on
    runnable = _present(rules, lowered, file_is_test=file_is_test)
    # A whole-file scan queries only around the rules' needles when each rule has them.
    needles = needles_for(runnable)
    query_ranges = ranges
    # Where the rules with `file_needles` can match (None: anywhere).
    regional: list[tuple[int, int]] | None = None
    if needles is not None:
        # Every match overlaps a needle, so querying around the needles finds them all;
        # with changed lines, only needles a match starting on one of them can reach.
        regional = regions(root, lowered, runnable)
        query_ranges = needles.ranges(source, regional, lowered=lowered)
        if ranges is not None:
            # Both find every match that starts on a changed line: the needles it can
            # reach, or the changed lines themselves. Walk the fewer nodes.
            reachable = reachable_from(root, query_ranges, ranges)
            query_ranges = reachable if _cost(reachable) < _cost(ranges) else ranges
        if not query_ranges:
            return FileAnalysis((), tuple(problems), parse_ms)
    # One joined query per tree: every rule's patterns, then the macro token trees.
    query, owners = combine_queries((*(rule.query for rule in runnable), TOKEN_TREES))
    macro_owner = len(runnable)
    found: dict[tuple[str, int, int], _Candidate] = {}
    skips_tests = any(rule.match.get("skip_in_tests") for rule in runnable)
    regional_ids = {rule.id for rule in runnable if needles_of(rule.match, "file_needles")}
    too_deep = 0
    level = [file]
    while level:
        pending = []
        for batch in level:
            # Node.parent costs O(depth) in tree-sitter and later steps walk ancestors,
            # so a hostile `a[0][0]…[0]` would be cubic: refuse such trees up front.
            if deeper_than(batch.root, MAX_NESTING):
                too_deep += 1
                continue
            trees: list[Node] = []
            for pattern, captures in _batch_matches(query, batch, query_ranges):
                if owners[pattern] == macro_owner:
                    trees.append(captures["tt"][0])
                    continue
                layer = batch.layer_of(captures["flag"][0])
                rule = runnable[owners[pattern]]
                if layer is None:
                    continue
                if regional is not None and rule.id in regional_ids:
                    # Cheap before the filters: the joined query finds panic-in-drop's
                    # patterns at every unwrap another rule's needle brought it to.
                    at = captures["flag"][0].start_byte + layer.delta
                    if not _inside(regional, at):
                        continue
                candidate = _accept(scope, rule, batch, layer, captures, file_is_test=file_is_test)
                if candidate is not None:
                    found.setdefault((rule.id, candidate.start, candidate.end), candidate)
            expand_tests = include_tests or KEEP_SUPPRESSED
            inner = pending_trees(
                source,
                batch,
                trees,
                ranges,
                include_tests=expand_tests,
                needles=needles,
                # A scan that includes tests asks whether a layer is test code only
                # for rules that never look at tests.
                mark_tests=not include_tests or skips_tests,
            )
            pending.extend(inner)
        level = parse_level(pending) if pending else []
    if too_deep:
        problems.append(
            Problem(
                path,
                f"nested deeper than {MAX_NESTING} syntax levels; {too_deep} part(s) of "
                "this file (the file, or macro contents) were not analysed",
            )
        )
    kept = _unyielded(list(found.values()))
    # Building a finding (positions, fingerprint, message, grading) is the costly part:
    # past the cap, the rest are counted only, so one file cannot stall a worker.
    kept.sort(key=lambda c: (c.start, c.end, c.rule.id))
    cap = len(kept) if max_findings is None else max(0, max_findings)
    left_out = max(0, len(kept) - cap)
    if left_out:
        kept = kept[:cap]
        problems.append(cap_problem(path, cap, left_out))
    hits = [_to_hit(scope, candidate) for candidate in kept]
    known = rule_names(rules) if known_rule_ids is None else known_rule_ids
    settled = settle(
        hits,
        rules,
        root=root,
        text=text,
        known_ids=known,
        line_offset=scope.line_offset,
        clippy=clippy,
        ancestry=file.ancestry,
    )
    findings = tuple(sorted(settled, key=_order))
    return FileAnalysis(findings, tuple(problems), parse_ms, left_out)


def _present(rules: Sequence[Rule], lowered: bytes, *, file_is_test: bool) -> Sequence[Rule]:
    """The rules that can match in this file: not those that skip test code in a test
    file, nor those whose `file_needles` do not occur in `lowered` (the source
    lowercased). The others' queries (and needles) would only find matches to drop."""
    if file_is_test:
        rules = tuple(rule for rule in rules if not rule.match.get("skip_in_tests"))
    wanted = [needles_of(rule.match, "file_needles") for rule in rules]
    if not any(wanted):
        return rules
    return tuple(
        rule
        for rule, patterns in zip(rules, wanted, strict=True)
        if not patterns or any(pattern.search(lowered) for pattern in patterns)
    )


def reachable_from(
    root: Node, needle_ranges: Sequence[tuple[int, int]], changed: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The needle ranges a match starting on a changed byte could overlap. A match lies
    inside one top-level item and starts at or before its needle (an index expression
    starts at its object, maybe lines above the `[`), so a needle range counts when a
    changed range meets the stretch from its item's start to the range's end. Sorted,
    disjoint `changed` ranges in, the kept needle ranges out, in order."""
    starts = [item.start_byte for item in root.children]
    kept: list[tuple[int, int]] = []
    for start, end in needle_ranges:
        index = bisect_right(starts, start) - 1
        item_start = starts[index] if index >= 0 else 0
        # The first changed range ending after item_start: does it begin before `end`?
        first = bisect_right(changed, item_start, key=itemgetter(1))
        if first < len(changed) and changed[first][0] < end:
            kept.append((start, end))
    return kept


# A query range costs about as much as walking this many bytes of its nodes (5 µs,
# against 0.2 µs per node of about 4 bytes).
RANGE_COST_BYTES = 100


def _cost(spans: Sequence[tuple[int, int]]) -> int:
    """The bytes-equivalent of querying `spans`."""
    return sum(end - start + RANGE_COST_BYTES for start, end in spans)


def _inside(spans: Sequence[tuple[int, int]], offset: int) -> bool:
    """Whether `offset` lies in one of the sorted, disjoint `spans`."""
    index = bisect_right(spans, offset, key=itemgetter(0)) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def cap_problem(path: str, cap: int, left_out: int) -> Problem:
    return Problem(path, f"{left_out} more findings not reported: over the {cap}-per-file cap")


def _unyielded(candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop candidates that `yield_to` another rule flagging the same start. settle()
    does the same; doing it before the cap keeps a yielding match from taking a slot."""
    starts = {(c.rule.id, c.start) for c in candidates}
    return [
        c
        for c in candidates
        if not any((other, c.start) in starts for other in ids_of(c.rule.match, "yield_to"))
    ]


def _order(finding: Finding) -> tuple[str, int, int, str, int, int]:
    return (*finding.sort_key, finding.end_line, finding.end_column)


def _byte_ranges(text: SourceText, lines: frozenset[int] | None) -> list[tuple[int, int]] | None:
    """Merge changed lines into contiguous byte ranges; None means the whole file."""
    if lines is None:
        return None
    ranges: list[tuple[int, int]] = []
    for line in sorted(n for n in lines if 1 <= n <= text.line_count):
        start, end = text.line_span(line)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def _batch_matches(
    query: str, batch: Batch, ranges: list[tuple[int, int]] | None
) -> list[tuple[int, dict[str, list[Node]]]]:
    # Macro batches hold only token trees that touch a range: query them whole.
    if batch.layers[0].depth > 0 or ranges is None:
        return indexed_matches(query, batch.root)
    result: list[tuple[int, dict[str, list[Node]]]] = []
    for byte_range in ranges:
        result.extend(indexed_matches(query, batch.root, byte_range))
    return result


@dataclass(frozen=True)
class _Candidate:
    """A match that passed every filter, before the costly part of making a finding."""

    rule: Rule
    layer: Layer
    captures: Mapping[str, list[Node]]
    start: int  # file offsets of the reported span
    end: int
    suppressed: str | None
    labels: tuple[str, ...]
    item_span: tuple[int, int]


def _accept(
    scope: _Scope,
    rule: Rule,
    batch: Batch,
    layer: Layer,
    captures: Mapping[str, list[Node]],
    *,
    file_is_test: bool,
) -> _Candidate | None:
    """The match as a candidate finding, or None when a filter drops it (cheap: no
    positions, texts or hashes beyond what the filters need)."""
    flag = captures["flag"][0]
    anchor = captures.get("start", [flag])[0]
    if not (layer.contains(flag) and layer.contains(anchor)):
        return None
    # An ERROR right inside the flagged node means error recovery made it up: the
    # `"a": [1]` of a json!-style macro parses as `"a" <ERROR> [1]`, an "index".
    if flag.has_error and any(child.is_error for child in flag.children):
        return None
    # Custom macros take DSLs (`impl_int!(i8[len = 4] as u32)`) where weak patterns like
    # indexing are not Rust; such rules look only inside the macros they list.
    allowed = rule.match.get("only_in_macros")
    if layer.depth > 0 and isinstance(allowed, frozenset) and layer.macro not in allowed:
        return None
    text = scope.text
    start = anchor.start_byte + layer.delta
    end = flag.end_byte + layer.delta
    if scope.changed is not None and text.line_of(start) not in scope.changed:
        return None
    parent = batch.ancestry.parent(flag)
    if parent is not None and parent.type in ids_of(rule.match, "skip_parent_kinds"):
        return None
    in_test = None
    if rule.match.get("skip_in_tests"):
        # Before the item labels: most assertions sit in tests, and are dropped here.
        in_test = file_is_test or layer.outer_test or batch.test(flag)
        if in_test:
            return None
    items = batch.items.around(flag, layer.within())
    labels = layer.outer_labels + items.labels
    # A macro_rules! body is not Rust yet (`@array [$($x)*]`); weak patterns skip it.
    if rule.match.get("skip_in_macro_rules") and any(
        label.startswith("macro_rules!") for label in labels
    ):
        return None
    fit = scope.fits.get((rule.id, labels))
    if fit is None:
        fit = scope.fits[(rule.id, labels)] = _items_fit(rule, labels)
    if not fit:
        return None
    if rule.match.get("literal_needs_array") and "literal" in captures:
        receiver = _capture_text(captures, "object", layer, text) or ""
        # Error-recovered token soup (`{"b": [1, 2]}` in a macro) and string receivers
        # (string-slice's job) are not literal indexing of a collection.
        if flag.has_error or receiver.lstrip().startswith(('"', 'r"', "r#")):
            return None
        if evidently_array(receiver, scope.fn_text(start), scope.file_text()):
            return None
    if rule.match.get("skip_infallible_conversions"):
        # `char::try_from(b).unwrap()` for a `b: u8` cannot fail (Infallible error).
        receiver = _capture_text(captures, "expr", layer, text) or ""
        if "try_from" in receiver and infallible_conversion(receiver, scope.fn_text(start)):
            return None
    # Asked last: it walks ancestors, and the filters above drop many matches first.
    suppressed = None
    reported_in_tests = scope.include_tests or rule.id in scope.clippy.report_in_tests
    if (
        in_test is None
        and not reported_in_tests
        and (file_is_test or layer.outer_test or batch.test(flag))
    ):
        if not KEEP_SUPPRESSED:
            return None
        suppressed = "test-code"
    if items.innermost is not None:
        item_span = (items.innermost[0] + layer.delta, items.innermost[1] + layer.delta)
    else:
        item_span = layer.outer_item or (0, len(text.source))
    return _Candidate(rule, layer, captures, start, end, suppressed, labels, item_span)


def _to_hit(scope: _Scope, candidate: _Candidate) -> Hit:
    rule, layer, captures = candidate.rule, candidate.layer, candidate.captures
    text, start, end = scope.text, candidate.start, candidate.end
    flag = captures["flag"][0]
    line, column = text.position(start)
    end_line, end_column = text.position(end)
    item_path = " / ".join(candidate.labels)
    flag_start = _start_with_sigil(text.source, flag.start_byte + layer.delta, layer)
    expression = text.text(flag_start, end)
    # Same-text occurrences earlier in the item tell identical expressions apart;
    # counting on whitespace-free text keeps it immune to reformatting.
    compact = "".join(expression.split())
    occurrence = scope.compact_items.occurrences(
        text.source, candidate.item_span, flag_start, compact
    )

    message, subject = _render_message(rule, captures, layer, text)
    finding = Finding(
        rule=rule.id,
        severity=rule.severity,
        path=scope.path,
        line=line + scope.line_offset,
        column=column,
        end_line=end_line + scope.line_offset,
        end_column=end_column,
        message=message,
        subject=subject,
        fingerprint=fingerprint(rule.id, scope.path, item_path, expression, occurrence),
        suppressed=candidate.suppressed,
        context=scope.context,
        snippet=_shorten(expression, SNIPPET_CHARS),
        item_path=item_path,
    )
    lints = _lints(rule, captures, layer, text)
    return Hit(finding, start, lints, end_byte=end, in_const=_in_const(candidate.labels))


def _items_fit(rule: Rule, labels: Sequence[str]) -> bool:
    """match.only_in_items / skip_in_items: regexes over the enclosing item labels."""
    only = regexes_of(rule.match, "only_in_items")
    if only and not any(regex.match(label) for regex in only for label in labels):
        return False
    skip = regexes_of(rule.match, "skip_in_items")
    return not any(regex.match(label) for regex in skip for label in labels)


def _in_const(labels: Sequence[str]) -> bool:
    return any(label.startswith(("const ", "static ")) for label in labels)


def _lints(
    rule: Rule, captures: Mapping[str, list[Node]], layer: Layer, text: SourceText
) -> frozenset[str]:
    """The Clippy lints whose `#[allow]` suppresses this match (match.lint_from narrows
    a multi-lint rule such as panic-macro down to the macro it found)."""
    choice = lint_choice(rule.match)
    if choice is None:
        return _lint_set(rule.clippy)
    picked = choice.pick(_capture_text(captures, choice.source, layer, text))
    return frozenset({picked}) if picked else _lint_set(rule.clippy)


@lru_cache(maxsize=64)
def _lint_set(lints: tuple[str, ...]) -> frozenset[str]:
    return frozenset(lints)


def _capture_text(
    captures: Mapping[str, list[Node]], name: str, layer: Layer, text: SourceText
) -> str | None:
    nodes = captures.get(name)
    if not nodes:
        return None
    return text.text(nodes[0].start_byte + layer.delta, nodes[0].end_byte + layer.delta)


def _render_message(
    rule: Rule, captures: Mapping[str, list[Node]], layer: Layer, text: SourceText
) -> tuple[str, str]:
    """The message, and the code it names as `{expr}` (for the rule's questions)."""
    template = rule.message
    phrases = phrases_of(rule.match)
    values: dict[str, str] = {}
    for name in _placeholders(template):
        if name in phrases:
            choice = phrases[name]
            values[name] = choice.pick(_capture_text(captures, choice.source, layer, text))
            continue
        nodes = captures.get(name)
        if nodes:
            node = nodes[0]
            node_start = _start_with_sigil(text.source, node.start_byte + layer.delta, layer)
            node_end = min(node.end_byte + layer.delta, node_start + _MESSAGE_SOURCE_BYTES)
            raw = text.text(node_start, node_end)
            values[name] = _shorten(raw, MESSAGE_EXPR_CHARS)
        else:
            values[name] = "…"
    return template.format_map(values), values.get("expr", "")


@lru_cache(maxsize=256)
def _placeholders(template: str) -> tuple[str, ...]:
    """The distinct `{name}` fields of a message template, in order."""
    names = (name for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    return tuple(dict.fromkeys(names))


def _start_with_sigil(source: bytes, start: int, layer: Layer) -> int:
    """Macro bodies were parsed with `$` blanked; give `$e` its `$` back in shown text."""
    if layer.depth > 0 and start > 0 and source[start - 1 : start] == b"$":
        return start - 1
    return start


def _shorten(code: str, limit: int) -> str:
    # Join chains split over lines back into `a.b()` rather than `a .b()`; most code
    # holds no whitespace at all (a printable text without " " has none).
    spaced = " " in code or not code.isprintable()
    flat = _TIGHT.sub("", " ".join(code.split())) if spaced else code
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
