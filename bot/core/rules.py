"""Parse and validate one rule file (rules/<id>.yml) into a Rule.

Rule files are data we run, so the loader is strict: unknown keys, wrong types,
YAML anchors/aliases (a cheap memory bomb), duplicate keys and files over 64 KiB
are refused with a RuleLoadError naming the file and the key.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from tree_sitter import QueryError

from bot.core.model import Rule, RuleExamples, Severity
from bot.core.rule_match import lint_choice, parse_match, phrases_of
from bot.core.rust_syntax import query_capture_names
from bot.core.safe_yaml import YamlRefused, load_safe_yaml
from bot.errors import RuleLoadError

MAX_RULE_BYTES = 64 * 1024

# One table sets the default severity of each category (a rule may override it).
CATEGORY_SEVERITY: Mapping[str, Severity] = {
    "certain-panic": Severity.ERROR,
    "may-panic": Severity.WARNING,
    "style": Severity.NOTICE,
    # Undefined behaviour is worse than a panic: memory corruption instead of a stop.
    "undefined-behaviour": Severity.ERROR,
}
STATUSES = frozenset({"stable", "preview", "deprecated"})

_REQUIRED = (
    "id",
    "code",
    "category",
    "status",
    "clippy",
    "summary",
    "why",
    "message",
    "questions",
    "alternatives",
    "example",
    "use_instead",
    "options",
    "query",
    "examples",
)
_OPTIONAL = ("severity", "match", "enabled_by_default")
_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_CODE = re.compile(r"PS\d{3}")
_LINT = re.compile(r"[a-z][a-z0-9_]*")


def parse_rule(text: str, source: str) -> Rule:
    """Build a Rule from YAML text; `source` names the file in error messages."""
    if len(text.encode("utf-8")) > MAX_RULE_BYTES:
        raise RuleLoadError(f"{source}: file is larger than {MAX_RULE_BYTES} bytes")
    data = _load_yaml(text, source)
    if not isinstance(data, dict):
        raise RuleLoadError(f"{source}: top level must be a mapping")
    unknown = sorted(str(key) for key in data if key not in _REQUIRED + _OPTIONAL)
    if unknown:
        raise RuleLoadError(f"{source}: unknown key(s): {', '.join(unknown)}")
    for key in _REQUIRED:
        if key not in data:
            raise RuleLoadError(f"{source}: missing key: {key}")
    fields = _Fields(data, source)

    category = fields.choice("category", CATEGORY_SEVERITY.keys())
    severity_text = data.get("severity", CATEGORY_SEVERITY[category].value)
    if severity_text not in {s.value for s in Severity}:
        raise RuleLoadError(f"{source}: severity: must be one of error, warning, notice")
    query = fields.text("query")
    message = fields.text("message")
    match = parse_match(data.get("match", {}), source)
    _check_query_and_message(query, message, match, source)
    for key in ("questions", "alternatives"):
        _check_prose_placeholders(fields.strings(key, minimum=0), f"{source}: {key}")
    enabled = data.get("enabled_by_default", True)
    if not isinstance(enabled, bool):
        raise RuleLoadError(f"{source}: enabled_by_default: must be true or false")

    return Rule(
        id=fields.pattern("id", _ID),
        code=fields.pattern("code", _CODE),
        severity=Severity(severity_text),
        category=category,
        status=fields.choice("status", STATUSES),
        clippy=tuple(_check_lints(fields.strings("clippy", minimum=0), source)),
        summary=fields.text("summary"),
        why=fields.text("why"),
        message=message,
        questions=fields.strings("questions", minimum=2, maximum=3),
        alternatives=fields.strings("alternatives", minimum=1),
        example=fields.text("example"),
        use_instead=fields.text("use_instead"),
        options=fields.text("options"),
        query=query,
        examples=_examples(data["examples"], source),
        enabled_by_default=enabled,
        match=match,
    )


class _Fields:
    """Typed accessors that name the offending key on error."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.source = source

    def fail(self, key: str, problem: str) -> RuleLoadError:
        return RuleLoadError(f"{self.source}: {key}: {problem}")

    def text(self, key: str) -> str:
        value = self.data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def pattern(self, key: str, regex: re.Pattern[str]) -> str:
        value = self.text(key)
        if not regex.fullmatch(value):
            raise self.fail(key, f"{value!r} does not match {regex.pattern}")
        return value

    def choice(self, key: str, allowed: Any) -> str:
        value = self.text(key)
        if value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(sorted(allowed))}")
        return value

    def strings(self, key: str, *, minimum: int, maximum: int | None = None) -> tuple[str, ...]:
        return _string_list(self.data[key], f"{self.source}: {key}", minimum, maximum)


def _string_list(
    value: object, where: str, minimum: int, maximum: int | None = None
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise RuleLoadError(f"{where}: must be a list of non-empty strings")
    if len(value) < minimum or (maximum is not None and len(value) > maximum):
        bound = f"{minimum}-{maximum}" if maximum is not None else f"at least {minimum}"
        raise RuleLoadError(f"{where}: needs {bound} entries, has {len(value)}")
    return tuple(value)


def _check_lints(lints: tuple[str, ...], source: str) -> tuple[str, ...]:
    for lint in lints:
        if not _LINT.fullmatch(lint):
            raise RuleLoadError(f"{source}: clippy: {lint!r} is not a lint name like unwrap_used")
    return lints


def _check_query_and_message(
    query: str, message: str, match: Mapping[str, object], source: str
) -> None:
    try:
        captures = query_capture_names(query)
    except QueryError as exc:
        raise RuleLoadError(f"{source}: query: invalid tree-sitter query: {exc}") from exc
    if "flag" not in captures:
        raise RuleLoadError(f"{source}: query: needs a @flag capture")
    if "\n" in message.strip() or message[:1].isupper():
        raise RuleLoadError(f"{source}: message: must be one lower-case line")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise RuleLoadError(f"{source}: message: bad template: {exc}") from exc
    phrases = phrases_of(match)
    lint = lint_choice(match)
    for name, choice in [*phrases.items(), *([("lint_from", lint)] if lint else [])]:
        if choice.source not in captures:
            raise RuleLoadError(f"{source}: match: {name}.from: {choice.source!r} is not a capture")
    missing = sorted(names - captures - set(phrases))
    if missing:
        raise RuleLoadError(f"{source}: message: {{{missing[0]}}} is not a query capture")


def _check_prose_placeholders(texts: tuple[str, ...], where: str) -> None:
    """Comment prose is filled with the flagged code only: `{expr}` is the one placeholder
    (anything else would reach the review comment as literal braces)."""
    for text in texts:
        for name in re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", text):
            if name != "expr":
                raise RuleLoadError(f"{where}: only {{expr}} may be used, not {{{name}}}")


def _examples(value: object, source: str) -> RuleExamples:
    if not isinstance(value, dict) or set(value) != {"flag", "pass"}:
        raise RuleLoadError(f"{source}: examples: must be a mapping with exactly flag and pass")
    return RuleExamples(
        flag=_string_list(value["flag"], f"{source}: examples.flag", 1),
        passes=_string_list(value["pass"], f"{source}: examples.pass", 1),
    )


def _load_yaml(text: str, source: str) -> object:
    try:
        return load_safe_yaml(text, max_bytes=MAX_RULE_BYTES)
    except YamlRefused as exc:
        raise RuleLoadError(f"{source}: {exc}") from exc
