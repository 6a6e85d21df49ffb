"""Which `#[cfg(..)]` predicates held when the Clippy oracle compiled a crate.

The oracle builds with the crate's default features on x86_64 Linux (debug profile).
A predicate is evaluated against that: features reached from `default` in Cargo.toml,
the usual target keys, `debug_assertions`, and `test` when test targets were built.
Names it does not know (`miri`, `loom`, `docsrs`, `fuzzing`, custom `--cfg` flags) are
false, as they are in a plain `cargo clippy`. Unparsable predicates count as false
(code under them is then treated as not compiled, as before this module).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

TARGET = {
    "target_os": {"linux"},
    "target_family": {"unix"},
    "target_arch": {"x86_64"},
    "target_pointer_width": {"64"},
    "target_endian": {"little"},
    "target_env": {"gnu"},
    "target_vendor": {"unknown"},
    "panic": {"unwind"},
    "target_has_atomic": {"8", "16", "32", "64", "ptr"},
}
FLAGS = {"unix", "debug_assertions"}
_TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*")|(.))')


def default_features(crate: Path) -> frozenset[str]:
    """`default` and everything it turns on, transitively (optional deps included)."""
    try:
        manifest = tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    table = manifest.get("features", {})
    on: set[str] = set()
    todo = ["default"]
    while todo:
        name = todo.pop()
        if name in on:
            continue
        on.add(name)
        for entry in table.get(name, []):
            if isinstance(entry, str) and "/" not in entry:
                todo.append(entry.removeprefix("dep:"))
    return frozenset(on)


class CfgEvaluator:
    def __init__(self, features: frozenset[str], *, test: bool) -> None:
        self.features = features
        self.flags = FLAGS | ({"test"} if test else set())

    def holds(self, predicate: str) -> bool:
        tokens = [t for t in _tokens(predicate)]
        try:
            value, rest = self._expr(tokens)
        except (IndexError, ValueError):
            return False
        return value and not rest

    def _expr(self, tokens: list[str]) -> tuple[bool, list[str]]:
        head, rest = tokens[0], tokens[1:]
        if head in ("all", "any", "not") and rest and rest[0] == "(":
            values, rest = self._list(rest[1:])
            if head == "not":
                if len(values) != 1:
                    raise ValueError("not() takes one predicate")
                return not values[0], rest
            return (all(values) if head == "all" else any(values)), rest
        if rest and rest[0] == "=":
            value = rest[1]
            if not value.startswith('"'):
                raise ValueError("a cfg value is a string")
            text = value[1:-1]
            if head == "feature":
                return text in self.features, rest[2:]
            return text in TARGET.get(head, set()), rest[2:]
        return head in self.flags, rest

    def _list(self, tokens: list[str]) -> tuple[list[bool], list[str]]:
        values: list[bool] = []
        while tokens[0] != ")":
            value, tokens = self._expr(tokens)
            values.append(value)
            if tokens[0] == ",":
                tokens = tokens[1:]
        return values, tokens[1:]


def _tokens(text: str) -> list[str]:
    out = []
    for ident, string, other in _TOKEN.findall(text):
        token = ident or string or other
        if token.strip():
            out.append(token)
    return out
