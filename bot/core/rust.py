"""Run rules over the changed lines of one Rust file and turn matches into findings.

The file is parsed once; each rule's query runs only over the byte ranges of the
changed lines (plus the re-parsed contents of macros that touch them). A match is
reported when its flagged span starts on a changed line.

Query captures a rule may use: `@flag` (required) is the flagged expression, whose
text feeds the snippet and fingerprint; `@start` (optional) moves the reported
start, e.g. to the `.` of `.unwrap()` so multi-line chains point at that line;
every capture's text can appear in the message template as `{name}`.
"""

from __future__ import annotations

import re
import string
import time
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from bot.core.arrays import evidently_array
from bot.core.clippy_config import DEFAULT_CLIPPY_CONFIG, ClippyConfig
from bot.core.fingerprint import fingerprint
from bot.core.model import Finding, Problem, Rule
from bot.core.rule_match import lint_choice, phrases_of, regexes_of
from bot.core.rust_items import enclosing_items
from bot.core.rust_macros import TOKEN_TREES, Batch, Layer, file_batch, parse_level, pending_trees
from bot.core.rust_syntax import (
    SourceText,
    combine_queries,
    count_error_regions,
    indexed_matches,
    matches,
    parse,
    utf8_safe,
)
from bot.core.settle import Hit, settle
from bot.core.testcode import in_test_code, is_test_path

# Test-code findings are kept, marked suppressed="test-code" (False drops them instead).
KEEP_SUPPRESSED = True

MESSAGE_EXPR_CHARS = 60
SNIPPET_CHARS = 200
_TIGHT = re.compile(r"\s+(?=[.?)\]])|(?<=[(\[])\s+")


@dataclass(frozen=True)
class FileAnalysis:
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    parse_ms: float


_COMMENTS = "[(line_comment) (block_comment)] @comment"


class _CompactItems:
    """Whitespace- and comment-free text of each item, built once per item (not once
    per finding, which made a function with thousands of findings quadratic).

    Comments are left out so that a comment quoting the code (`// was x.unwrap()`)
    does not shift the occurrence index, and with it the fingerprint.
    """

    def __init__(self, root: Node | None = None) -> None:
        self._root = root
        self._items: dict[tuple[int, int], _Compact] = {}

    def occurrences(self, source: bytes, item: tuple[int, int], before: int, needle: str) -> int:
        """How often `needle` occurs in the item's compact text before byte `before`."""
        cached = self._items.get(item)
        if cached is None:
            comments = self._comment_spans(*item)
            cached = self._items[item] = _compact(source, *item, comments)
        return cached.text.count(needle, 0, cached.chars_before(before))

    def _comment_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        if self._root is None:
            return []
        found = matches(_COMMENTS, self._root, (start, end))
        return sorted((c.start_byte, c.end_byte) for m in found for c in m["comment"])


@dataclass(frozen=True)
class _Compact:
    """An item's text without whitespace and comments, kept as runs of non-space text:
    `starts[i]` is the file byte offset of run i, `index[i]` its position in `text`."""

    text: str
    starts: list[int]
    index: list[int]
    runs: list[str]

    def chars_before(self, before: int) -> int:
        """How many compact characters lie at file byte offsets below `before`."""
        run = bisect_left(self.starts, before) - 1
        if run < 0:
            return 0
        piece = self.runs[run]
        inside = before - self.starts[run]
        if piece.isascii():
            return self.index[run] + min(len(piece), inside)
        # `before` is a node start, so it never splits a character.
        return self.index[run] + len(piece.encode("utf-8")[:inside].decode("utf-8", "ignore"))


_RUN = re.compile(r"\S+")


def _compact(source: bytes, start: int, end: int, skip: Sequence[tuple[int, int]] = ()) -> _Compact:
    """The non-whitespace text of source[start:end] outside `skip` (sorted byte spans).
    analyse_file has made the source valid UTF-8, so character widths are exact; a run
    at a time (not a character at a time) keeps big items cheap."""
    chunk = bytearray(source[start:end])
    for span_start, span_end in skip:
        lo, hi = max(span_start, start) - start, min(span_end, end) - start
        if lo < hi:
            chunk[lo:hi] = b" " * (hi - lo)  # same length: byte offsets stay put
    text = chunk.decode("utf-8", "replace")
    ascii_text = text.isascii()
    starts: list[int] = []
    index: list[int] = []
    runs: list[str] = []
    position = 0
    byte = start
    last_char = 0
    for match in _RUN.finditer(text):
        if ascii_text:
            byte = start + match.start()
        else:
            byte += len(text[last_char : match.start()].encode("utf-8"))
            last_char = match.start()
        starts.append(byte)
        index.append(position)
        runs.append(match.group())
        position += len(match.group())
    return _Compact("".join(runs), starts, index, runs)


@dataclass(frozen=True)
class _Scope:
    """What stays fixed for one analyse_file call."""

    path: str
    text: SourceText
    changed: frozenset[int] | None  # local (unshifted) lines
    include_tests: bool
    context: str
    line_offset: int
    compact_items: _CompactItems = field(default_factory=_CompactItems)
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG
    root: Node | None = None
    # Lazily decoded texts for the array check: "" -> whole file, (start, end) -> one fn.
    texts: dict[object, str] = field(default_factory=dict)

    def file_text(self) -> str:
        if "" not in self.texts:
            self.texts[""] = self.text.text(0, len(self.text.source))
        return self.texts[""]

    def fn_text(self, offset: int) -> str:
        """The text of the function around file offset `offset` ("" outside any)."""
        node = self.root.descendant_for_byte_range(offset, offset) if self.root else None
        while node is not None and node.type != "function_item":
            node = node.parent
        if node is None:
            return ""
        key = (node.start_byte, node.end_byte)
        if key not in self.texts:
            self.texts[key] = self.text.text(node.start_byte, node.end_byte)
        return self.texts[key]


def analyse_file(
    path: str,
    source: bytes,
    changed_lines: frozenset[int] | None,
    rules: Sequence[Rule],
    *,
    include_tests: bool = False,
    context: str = "full",
    line_offset: int = 0,
    known_rule_ids: frozenset[str] | None = None,
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG,
    test_file: bool = False,
) -> FileAnalysis:
    """Findings of `rules` on `changed_lines` (head-side numbers; None = every line).

    `line_offset` is added to every line: a caller parsing a lone hunk that starts at
    head line offset+1 passes it together with head-side `changed_lines`.
    `known_rule_ids` are the ids an inline ignore may name (default: those of `rules`).
    `test_file` marks the whole file as test code (a `#[cfg(test)] mod x;` points at it).
    """
    if is_test_path(path) and not include_tests and not KEEP_SUPPRESSED:
        return FileAnalysis((), (), 0.0)
    started = time.perf_counter()
    source = utf8_safe(source)
    root = parse(source)
    parse_ms = (time.perf_counter() - started) * 1000.0
    text = SourceText(source)
    local = None if changed_lines is None else frozenset(n - line_offset for n in changed_lines)
    scope = _Scope(
        path, text, local, include_tests, context, line_offset, _CompactItems(root), clippy, root
    )
    ranges = _byte_ranges(text, local)
    problems: list[Problem] = []
    errors = count_error_regions(root)
    if errors:
        problems.append(Problem(path, f"syntax errors: {errors} regions"))
    if ranges == []:
        return FileAnalysis((), tuple(problems), parse_ms)

    file_is_test = test_file or is_test_path(path)
    # One joined query per tree: every rule's patterns, then the macro token trees.
    query, owners = combine_queries((*(rule.query for rule in rules), TOKEN_TREES))
    macro_owner = len(rules)
    found: dict[tuple[str, int, int, int, int], Hit] = {}
    level = [file_batch(root)]
    while level:
        pending = []
        for batch in level:
            trees: list[Node] = []
            for pattern, captures in _batch_matches(query, batch, ranges):
                if owners[pattern] == macro_owner:
                    trees.append(captures["tt"][0])
                    continue
                layer = batch.layer_of(captures["flag"][0])
                rule = rules[owners[pattern]]
                hit = None
                if layer is not None:
                    hit = _to_hit(scope, rule, layer, captures, file_is_test)
                if hit is not None:
                    finding = hit.finding
                    key = (
                        rule.id,
                        finding.line,
                        finding.column,
                        finding.end_line,
                        finding.end_column,
                    )
                    found.setdefault(key, hit)
            expand_tests = include_tests or KEEP_SUPPRESSED
            pending.extend(pending_trees(source, batch, trees, ranges, include_tests=expand_tests))
        level = parse_level(pending) if pending else []
    known = frozenset(r.id for r in rules) if known_rule_ids is None else known_rule_ids
    settled = settle(
        list(found.values()),
        rules,
        root=root,
        text=text,
        known_ids=known,
        line_offset=scope.line_offset,
        clippy=clippy,
    )
    findings = tuple(sorted(settled, key=_order))
    return FileAnalysis(findings, tuple(problems), parse_ms)


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


def _to_hit(
    scope: _Scope,
    rule: Rule,
    layer: Layer,
    captures: Mapping[str, list[Node]],
    file_is_test: bool,
) -> Hit | None:
    flag = captures["flag"][0]
    anchor = captures.get("start", [flag])[0]
    if not (layer.contains(flag) and layer.contains(anchor)):
        return None
    parent = flag.parent
    if parent is not None and parent.type in _skip_parent_kinds(rule):
        return None
    text = scope.text
    start = anchor.start_byte + layer.delta
    end = flag.end_byte + layer.delta
    line, column = text.position(start)
    if scope.changed is not None and line not in scope.changed:
        return None
    suppressed = None
    reported_in_tests = scope.include_tests or rule.id in scope.clippy.report_in_tests
    if not reported_in_tests and (file_is_test or layer.outer_test or in_test_code(flag)):
        if not KEEP_SUPPRESSED:
            return None
        suppressed = "test-code"
    end_line, end_column = text.position(end)

    items = enclosing_items(flag, layer.within())
    labels = layer.outer_labels + items.labels
    # A macro_rules! body is not Rust yet (`@array [$($x)*]`); weak patterns skip it.
    if rule.match.get("skip_in_macro_rules") and any(
        label.startswith("macro_rules!") for label in labels
    ):
        return None
    # Custom macros take DSLs (`impl_int!(i8[len = 4] as u32)`) where weak patterns like
    # indexing are not Rust; such rules look only inside the macros they list.
    allowed = rule.match.get("only_in_macros")
    if layer.depth > 0 and isinstance(allowed, frozenset) and layer.macro not in allowed:
        return None
    if not _items_fit(rule, labels):
        return None
    if rule.match.get("literal_needs_array") and "literal" in captures:
        receiver = _capture_text(captures, "object", layer, text) or ""
        # Error-recovered token soup (`{"b": [1, 2]}` in a macro) and string receivers
        # (string-slice's job) are not literal indexing of a collection.
        if flag.has_error or receiver.lstrip().startswith(('"', 'r"', "r#")):
            return None
        if evidently_array(receiver, scope.fn_text(start), scope.file_text()):
            return None
    item_path = " / ".join(labels)
    if items.innermost is not None:
        item_span = (items.innermost[0] + layer.delta, items.innermost[1] + layer.delta)
    else:
        item_span = layer.outer_item or (0, len(text.source))
    flag_start = _start_with_sigil(text.source, flag.start_byte + layer.delta, layer)
    expression = text.text(flag_start, end)
    # Same-text occurrences earlier in the item tell identical expressions apart;
    # counting on whitespace-free text keeps it immune to reformatting.
    compact = "".join(expression.split())
    occurrence = scope.compact_items.occurrences(text.source, item_span, flag_start, compact)

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
        suppressed=suppressed,
        context=scope.context,
        snippet=_shorten(expression, SNIPPET_CHARS),
        item_path=item_path,
    )
    lints = _lints(rule, captures, layer, text)
    return Hit(finding, start, lints, end_byte=end, in_const=_in_const(labels))


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
        return frozenset(rule.clippy)
    picked = choice.pick(_capture_text(captures, choice.source, layer, text))
    return frozenset({picked}) if picked else frozenset(rule.clippy)


def _capture_text(
    captures: Mapping[str, list[Node]], name: str, layer: Layer, text: SourceText
) -> str | None:
    nodes = captures.get(name)
    if not nodes:
        return None
    return text.text(nodes[0].start_byte + layer.delta, nodes[0].end_byte + layer.delta)


def _skip_parent_kinds(rule: Rule) -> frozenset[str]:
    kinds = rule.match.get("skip_parent_kinds", ())
    if isinstance(kinds, (list, tuple)):
        return frozenset(str(kind) for kind in kinds)
    return frozenset()


def _render_message(
    rule: Rule, captures: Mapping[str, list[Node]], layer: Layer, text: SourceText
) -> tuple[str, str]:
    """The message, and the code it names as `{expr}` (for the rule's questions)."""
    template = rule.message
    phrases = phrases_of(rule.match)
    values: dict[str, str] = {}
    for _, name, _, _ in string.Formatter().parse(template):
        if name is None or name in values:
            continue
        if name in phrases:
            choice = phrases[name]
            values[name] = choice.pick(_capture_text(captures, choice.source, layer, text))
            continue
        nodes = captures.get(name)
        if nodes:
            node = nodes[0]
            node_start = _start_with_sigil(text.source, node.start_byte + layer.delta, layer)
            raw = text.text(node_start, node.end_byte + layer.delta)
            values[name] = _shorten(raw, MESSAGE_EXPR_CHARS)
        else:
            values[name] = "…"
    return template.format_map(values), values.get("expr", "")


def _start_with_sigil(source: bytes, start: int, layer: Layer) -> int:
    """Macro bodies were parsed with `$` blanked; give `$e` its `$` back in shown text."""
    if layer.depth > 0 and start > 0 and source[start - 1 : start] == b"$":
        return start - 1
    return start


def _shorten(code: str, limit: int) -> str:
    # Join chains split over lines back into `a.b()` rather than `a .b()`.
    flat = _TIGHT.sub("", " ".join(code.split()))
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
