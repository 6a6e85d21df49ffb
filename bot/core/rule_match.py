"""The `match:` block of a rule file: extra settings the engine interprets.

Matching itself lives in the rule's tree-sitter query; these settings cover what a
query cannot say (where the match sits, which other rule owns the span, which word
the message should use). Each key is validated here so a typo fails at load time.

- `skip_parent_kinds: [kind]`   drop a match whose parent node has one of these kinds
- `skip_in_macro_rules: bool`   drop matches inside `macro_rules!` bodies
- `skip_in_tests: bool`         test code is outside the rule (an `assert!` is how a
                                 test checks): matches there are no finding at all,
                                 not even a suppressed one, also with --include-tests
- `only_in_macros: [name]`      inside macro calls, look only into these macros
- `only_in_items: [regex]`      keep a match only when an enclosing item label matches
- `skip_in_items: [regex]`      drop a match when an enclosing item label matches
  (labels look like `impl Drop for Guard`, `fn main`; regexes match from the start)
- `yield_to: [rule-id]`         drop a match when one of these rules flags the same start
- `phrases: {name: {from: capture, map: {text: phrase}, default: phrase}}`
                                 a message placeholder chosen by a capture's text
- `literal_needs_array: bool`  a match with a `@literal` capture (a literal index) is
                                 dropped when its `@object` is evidently a fixed-size array
- `lint_from: {from: capture, map: {text: clippy_lint}}`
                                 which of the rule's Clippy lints this match is, for
                                 `#[allow(clippy::…)]`; without it any of them counts
- `needles: [regex]`             text every match of the query overlaps, matched
                                 against the source with ASCII letters lowercased (so
                                 written in lowercase); a lookaround that cannot see
                                 past the text must not rule a needle out. When every
                                 rule has needles, a whole-file scan queries only
                                 around them and skips macro contents without any
                                 (bot/core/needles.py). Start each with a literal, which
                                 sre finds fast: `word(?<!\\wword)` for `\\bword`. A needle
                                 that misses a match loses that finding, so
                                 `tests/core/test_needles.py` checks them on the corpus.
- `file_needles: [regex]`        text a file must hold for the rule to run on it at
                                 all (lowercased, like needles): panic-in-drop's
                                 `drop for` keeps its query, which matches every
                                 unwrap, from running on the files without a Drop impl
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.errors import RuleLoadError

MATCH_KEYS = frozenset(
    {
        "skip_parent_kinds",
        "skip_in_macro_rules",
        "skip_in_tests",
        "skip_infallible_conversions",
        "only_in_macros",
        "only_in_items",
        "skip_in_items",
        "yield_to",
        "phrases",
        "lint_from",
        "literal_needs_array",
        "needles",
        "file_needles",
    }
)
_PLACEHOLDER = re.compile(r"[a-z][a-z0-9_]*")
_RULE_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Choice:
    """Pick a text by the (whitespace-trimmed, last `::` segment of) a capture's text."""

    source: str
    table: Mapping[str, str]
    default: str = ""

    def pick(self, captured: str | None) -> str:
        if captured is None:
            return self.default
        key = captured.strip().rsplit("::", 1)[-1].strip()
        return self.table.get(key, self.default)


def parse_match(value: object, source: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise RuleLoadError(f"{source}: match: must be a mapping")
    unknown = sorted(str(key) for key in value if key not in MATCH_KEYS)
    if unknown:
        raise RuleLoadError(f"{source}: match: unknown key(s): {', '.join(unknown)}")
    settings: dict[str, object] = {}
    for key, raw in value.items():
        where = f"{source}: match.{key}"
        if key in (
            "skip_in_macro_rules",
            "skip_in_tests",
            "literal_needs_array",
            "skip_infallible_conversions",
        ):
            if not isinstance(raw, bool):
                raise RuleLoadError(f"{where}: must be true or false")
            settings[key] = raw
        elif key in ("skip_parent_kinds", "only_in_macros"):
            settings[key] = frozenset(_strings(raw, where))
        elif key in ("only_in_items", "skip_in_items"):
            settings[key] = tuple(_regex(text, where) for text in _strings(raw, where))
        elif key == "yield_to":
            ids = _strings(raw, where)
            bad = [rule_id for rule_id in ids if not _RULE_ID.fullmatch(rule_id)]
            if bad:
                raise RuleLoadError(f"{where}: {bad[0]!r} is not a rule id")
            settings[key] = frozenset(ids)
        elif key == "phrases":
            settings[key] = _phrases(raw, where)
        elif key in ("needles", "file_needles"):
            settings[key] = tuple(_needle(text, where) for text in _strings(raw, where))
        else:  # lint_from
            settings[key] = _choice(raw, where, allow_default=False)
    return settings


def phrases_of(match: Mapping[str, object]) -> Mapping[str, Choice]:
    value = match.get("phrases", {})
    return value if isinstance(value, dict) else {}


def regexes_of(match: Mapping[str, object], key: str) -> tuple[re.Pattern[str], ...]:
    value = match.get(key, ())
    return value if isinstance(value, tuple) else ()


def ids_of(match: Mapping[str, object], key: str) -> frozenset[str]:
    value = match.get(key, frozenset())
    return value if isinstance(value, frozenset) else frozenset()


def needles_of(match: Mapping[str, object], key: str = "needles") -> tuple[re.Pattern[bytes], ...]:
    value = match.get(key, ())
    return value if isinstance(value, tuple) else ()


def lint_choice(match: Mapping[str, object]) -> Choice | None:
    value = match.get("lint_from")
    return value if isinstance(value, Choice) else None


def _strings(value: object, where: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(item, str) and item.strip() for item in value)
    ):
        raise RuleLoadError(f"{where}: must be a non-empty list of non-empty strings")
    return tuple(value)


def _regex(text: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise RuleLoadError(f"{where}: bad regex {text!r}: {exc}") from exc


def _needle(text: str, where: str) -> re.Pattern[bytes]:
    # Needles run on lowercased text: an upper-case letter (or `\W`, `\S`...) would
    # silently never match, and with it the rule would never fire.
    if text != text.lower():
        raise RuleLoadError(f"{where}: {text!r} must be lowercase (it runs on lowercased text)")
    try:
        return re.compile(text.encode("utf-8"))
    except re.error as exc:
        raise RuleLoadError(f"{where}: bad regex {text!r}: {exc}") from exc


def _phrases(value: object, where: str) -> dict[str, Choice]:
    if not isinstance(value, dict) or not value:
        raise RuleLoadError(f"{where}: must be a non-empty mapping of placeholder names")
    result: dict[str, Choice] = {}
    for name, spec in value.items():
        if not isinstance(name, str) or not _PLACEHOLDER.fullmatch(name):
            raise RuleLoadError(f"{where}: {name!r} is not a placeholder name")
        result[name] = _choice(spec, f"{where}.{name}", allow_default=True)
    return result


def _choice(value: object, where: str, *, allow_default: bool) -> Choice:
    allowed = {"from", "map", "default"} if allow_default else {"from", "map"}
    if not isinstance(value, dict) or not {"from", "map"} <= set(value) <= allowed:
        keys = ", ".join(sorted(allowed))
        raise RuleLoadError(f"{where}: must be a mapping with keys {keys} (from and map required)")
    source, table, default = value["from"], value["map"], value.get("default", "")
    if not isinstance(source, str) or not _PLACEHOLDER.fullmatch(source):
        raise RuleLoadError(f"{where}.from: must be a capture name")
    if (
        not isinstance(table, dict)
        or not table
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
    ):
        raise RuleLoadError(f"{where}.map: must be a non-empty mapping of strings to strings")
    if not isinstance(default, str):
        raise RuleLoadError(f"{where}.default: must be a string")
    return Choice(source, dict(table), default)
