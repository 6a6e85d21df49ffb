"""Grade each finding by its context: the same `.unwrap()` is worse in a request handler
that parses input than in `main` reading a mutex.

Severity moves one step per net signal from the rule's default (notice < warning <
error), and every signal leaves a short note on the finding so the comment can say
why. All signals are syntactic: the enclosing function's signature and body text.

Raise: the enclosing fn returns `Result`/`Option` (`?` was available), the value comes
from parsing, I/O, environment, deserialisation or conversion (untrusted input), the
code runs in a loop or a per-request handler, the panic depends on an UPPER_CASE limit.
Lower: `.lock().unwrap()` (poisoning idiom), an `expect` whose message states an
invariant, an unwrap right after an `is_some()`/`is_ok()` guard, code in `main`,
`const`/`static` items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from tree_sitter import Node

from bot.core.model import Finding, Severity

# Rules whose severity is fixed: undefined behaviour is always the worst, and a
# malformed ignore comment is about the comment, not the code.
FIXED_SEVERITY = frozenset({"unwrap-unchecked", "invalid-ignore"})
_UNWRAP_RULES = frozenset({"unwrap-used", "expect-used", "unwrap-on-lookup"})
_LADDER = (Severity.NOTICE, Severity.WARNING, Severity.ERROR)
BODY_WINDOW_BYTES = 4096
LIMIT_WINDOW_CHARS = 1200
_TWO_CAPITALS = re.compile(r"[A-Z][A-Z0-9_]*[A-Z]")

_UNTRUSTED = re.compile(
    r"(?:\.|::)(parse|from_str|from_str_radix|from_utf8|try_into|try_from|read_to_string|"
    r"read_to_end|read_line|read_exact|from_slice|from_reader|from_value|recv|json|var|"
    r"open|read|connect|decode)\s*(?:::<[^()]*>)?\s*\("
)
# Calls whose name says they read or decode something: `load_features(path)`, `read_config()`.
_UNTRUSTED_NAME = re.compile(
    r"(?:^|[\s.:(])((?:\w+_)?(?:load|read|parse|fetch|decode|deserialize|recv)(?:_\w+)?)\s*\("
)
_LOCK = re.compile(r"\.(lock|read|write|try_lock)\(\s*\)$")
_INVARIANT = re.compile(
    r"\b(always|never|invariant|guaranteed|checked|cannot|can't|must|infallible|"
    r"validated|non-empty|nonempty|just (inserted|pushed|checked)|by construction)\b",
    re.IGNORECASE,
)
_HANDLER = re.compile(r"^(handle|serve|process|on_|route|dispatch|request|respond)|_handler$")
_LIMIT_NAME = r"[A-Z][A-Z0-9_]*[A-Z][A-Z0-9_]*"
# One pass over the window: a comparison with, a capacity of, or an array length of an
# UPPER_CASE constant.
_LIMIT_USES = re.compile(
    rf"[<>]=?\s*(?:\w+::)*(?P<a>{_LIMIT_NAME})\b"
    rf"|\b(?P<b>{_LIMIT_NAME})\s*[<>]=?[^=>]"
    rf"|with_capacity\(\s*(?:\w+::)*(?P<c>{_LIMIT_NAME})\s*\)"
    rf"|\[[^\[\];]+;\s*(?:\w+::)*(?P<d>{_LIMIT_NAME})\s*\]"
)
_RESULT_TYPE = re.compile(r"^(?:[\w:]+::)?(Result|Option)\b|^(?:io|fmt|anyhow)::Result\b")
_LOOPS = frozenset({"for_expression", "while_expression", "loop_expression"})


@dataclass(frozen=True)
class Context:
    """The syntactic facts about where a finding sits."""

    fn_name: str
    fn_returns: str  # "Result", "Option" or ""
    in_loop: bool
    is_async: bool
    body_before: str  # the enclosing fn's text up to the end of the flagged code


# The function or closure around a node (None: neither), and whether a loop lies
# between it and the node: folded from the root down with `enclosing`. Closures end
# the search: their return type is unknown and `?` there returns from the closure.
Around = tuple[Node | None, bool]
OUTSIDE: Around = (None, False)


def enclosing(above: Around, node: Node) -> Around:
    """The `Around` of `node`, from that of its parent."""
    if node.type in ("function_item", "closure_expression"):
        return node, False
    return above[0], above[1] or node.type in _LOOPS


class Contexts:
    """The facts about where findings sit, from the file tree; each function is
    looked at once."""

    def __init__(self, source: bytes) -> None:
        self._source = source
        self._functions: dict[int, tuple[str, str, bool]] = {}

    def at(self, around: Around, end: int) -> Context:
        """The context of flagged code ending at file byte `end`, whose start node has
        `around` around it."""
        node, in_loop = around
        if node is None or node.type != "function_item":
            return Context("", "", in_loop, False, "")
        name, fn_returns, is_async = self._function(node, end)
        # A window, not the whole body: a fn with thousands of findings must stay linear.
        window = self._source[max(node.start_byte, end - BODY_WINDOW_BYTES) : end]
        return Context(name, fn_returns, in_loop, is_async, window.decode("utf-8", "replace"))

    def _function(self, node: Node, end: int) -> tuple[str, str, bool]:
        known = self._functions.get(node.id)
        if known is None:
            name = _text(node.child_by_field_name("name"))
            returns = _text(node.child_by_field_name("return_type"))
            kind = _RESULT_TYPE.match(returns)
            fn_returns = (kind.group(1) or "Result") if kind else ""
            head = self._source[node.start_byte : min(node.start_byte + 200, end)]
            is_async = b"async" in head.split(b"fn", 1)[0]
            known = (name, fn_returns, is_async)
            if node.start_byte + 200 <= end:  # the head did not depend on `end`
                self._functions[node.id] = known
        return known


class Grade(NamedTuple):
    """What grading adds to a finding."""

    severity: Severity
    risk_notes: tuple[str, ...]
    limit: str
    suggestion: str


def grade(finding: Finding, context: Context, *, in_const: bool, line_text: str) -> Grade:
    """The finding's graded severity, notes, limit and `?` suggestion."""
    if finding.rule in FIXED_SEVERITY:
        return Grade(finding.severity, finding.risk_notes, finding.limit, finding.suggestion)
    notes: list[str] = []
    step = 0
    subject = finding.subject or finding.snippet
    fn = f"`fn {context.fn_name}`" if context.fn_name else "the enclosing function"
    untrusted = _UNTRUSTED.search(subject) or _UNTRUSTED_NAME.search(subject)
    is_unwrap = finding.rule in _UNWRAP_RULES

    if context.fn_returns and is_unwrap:
        step += 1
        notes.append(f"{fn} returns `{context.fn_returns}`: `?` is available")
    if untrusted:
        step += 1
        notes.append(f"the value comes from `{untrusted.group(1)}`: outside input decides it")
    if context.in_loop:
        step += 1
        notes.append("it runs in a loop: one bad item stops every later one")
    elif context.is_async or _HANDLER.search(context.fn_name):
        step += 1
        notes.append(f"{fn} looks like a per-request handler: one bad request panics it")
    limit = _limit(context.body_before)
    if limit:
        step += 1
        notes.append(f"it depends on the limit `{limit}`")

    if is_unwrap and _LOCK.search(subject):
        step -= 1
        notes.append("`.lock().unwrap()` only panics if another thread panicked holding the lock")
    if finding.rule == "expect-used" and _INVARIANT.search(finding.snippet[len(subject) :]):
        step -= 1
        notes.append("the `expect` message states an invariant")
    guard = _guard(context.body_before, subject) if is_unwrap else ""
    if guard:
        step -= 1
        notes.append(f"guarded by `{guard}`: `if let` says the same without a panic path")
    if context.fn_name == "main":
        step -= 1
        notes.append("in `main`: fails at startup, before anything is served")
    if in_const:
        step -= 1
        notes.append("in a `const`/`static` item: evaluated at compile time")

    severity = _LADDER[max(0, min(2, _LADDER.index(finding.severity) + step))]
    suggestion = _suggestion(finding, context, line_text, untrusted is not None)
    return Grade(severity, tuple(notes), limit, suggestion)


def _limit(before: str) -> str:
    """The last UPPER_CASE constant compared against, or used as a capacity or array
    length, in the function up to the end of the flagged code (`assert!(n <= MAX)`)."""
    found = ""
    # The limit check that matters sits just before the panic; a shorter window is cheap.
    window = before[-LIMIT_WINDOW_CHARS:]
    if not _TWO_CAPITALS.search(window):
        return ""
    for match in _LIMIT_USES.finditer(window):
        found = next(name for name in match.groups() if name)
    return found


def _guard(before: str, subject: str) -> str:
    compact = "".join(subject.split())
    # (Cheap first: the checks are identifiers, which whitespace cannot split.)
    if not compact or ("is_some" not in before and "is_ok" not in before):
        return ""
    text = "".join(before.split())
    for check in ("is_some()", "is_ok()"):
        guard = f"{compact}.{check}"
        if guard in text:
            return guard.replace("`", "'")
    return ""


def _suggestion(finding: Finding, context: Context, line_text: str, untrusted: bool) -> str:
    """`?` instead of `.unwrap()` when that is a plain replacement on one line and the
    receiver's kind evidently matches the fn's return type (a lookup is an `Option`,
    parsing and I/O give a `Result`)."""
    if finding.rule not in ("unwrap-used", "unwrap-on-lookup") or finding.line != finding.end_line:
        return ""
    if not finding.snippet.endswith(".unwrap()"):
        return ""
    fits = (context.fn_returns == "Option" and finding.rule == "unwrap-on-lookup") or (
        context.fn_returns == "Result" and untrusted
    )
    if not fits:
        return ""
    start, end = finding.column - 1, finding.end_column - 1
    # A chain continued on this line (`    .unwrap()`) would leave a lone `?`: skip it.
    if not line_text[:start].strip() or line_text[start:end].replace(" ", "") != ".unwrap()":
        return ""
    return line_text[:start] + "?" + line_text[end:]


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return " ".join(node.text.decode("utf-8", "replace").split())
