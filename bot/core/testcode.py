"""Decide whether code is test code: test paths, `#[test]` functions, `#[cfg(test)]` items.

Test code may unwrap freely, so findings there are skipped unless asked for.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import PurePosixPath

from tree_sitter import Node

from bot.core.ancestry import Ancestry, Fold

_TEST_DIRS = frozenset({"tests", "benches", "examples"})
# Attributes (the last path segment) that make a function a test or benchmark:
# `#[test]`, `#[tokio::test]`, `#[bench]`, `#[rstest]`, `#[test_case(1)]`,
# `#[wasm_bindgen_test]`, `#[quickcheck]`, `#[test_strategy::proptest]`.
_TEST_ATTRIBUTES = frozenset(
    {"test", "bench", "rstest", "test_case", "wasm_bindgen_test", "quickcheck", "proptest"}
)
# Property-test macros expand to #[test] functions.
_TEST_MACROS = frozenset({"proptest", "quickcheck"})
# Feature and cfg names of test-support code: `testing`, `test-util`, `mocks`, `fuzzing`.
_TEST_FEATURE = re.compile(
    r"(?:^|[-_])(?:tests?|testing|test[-_]?utils?|test[-_]?support|mocks?|mocking|fuzz|fuzzing)"
    r"(?:[-_]|$)"
)
_TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*")|(.))', re.DOTALL)


@lru_cache(maxsize=4096)
def is_test_path(path: str) -> bool:
    """True for files under a `tests`, `benches` or `examples` directory, and `build.rs`."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    return parts[-1:] == ("build.rs",) or any(part in _TEST_DIRS for part in parts[:-1])


def is_test_attribute(text: str) -> bool:
    """True for `test`, `<anything>::test` (and the other test and bench attributes), and
    `cfg(...)` that only holds under `test`."""
    compact = "".join(text.split())
    head = re.match(r"[A-Za-z0-9_:]*", compact)
    path = head.group(0) if head else ""
    if path.rsplit("::", 1)[-1] in _TEST_ATTRIBUTES:
        return True
    if path == "cfg" and compact[len(path) : len(path) + 1] == "(":
        return _cfg_implies_test(compact[len(path) :])
    return False


class TestCode:
    """Whether nodes of one tree sit in an item marked as test code, or in a
    `#![cfg(test)]` scope; each ancestor is judged once."""

    def __init__(self, ancestry: Ancestry) -> None:
        # A step bound to `ancestry`, not to self: no reference cycle keeps the tree
        # alive until the garbage collector runs.
        self._fold = Fold(ancestry, partial(_step, ancestry), False)

    def __call__(self, node: Node) -> bool:
        return self._fold(node)


def _step(ancestry: Ancestry, above: bool, node: Node) -> bool:
    return above or _marks_test(ancestry, node)


def _marks_test(ancestry: Ancestry, node: Node) -> bool:
    if any(_attribute_is_test(a) for a in ancestry.outer_attributes(node)):
        return True
    if node.type in ("source_file", "declaration_list") and any(
        _attribute_is_test(a) for a in ancestry.inner_attributes(node)
    ):
        return True
    return node.type == "macro_invocation" and _macro_name(node) in _TEST_MACROS


def _attribute_is_test(attribute_item: Node) -> bool:
    for child in attribute_item.named_children:
        if child.type == "attribute" and child.text is not None:
            return is_test_attribute(child.text.decode("utf-8", errors="replace"))
    return False


def _cfg_implies_test(args: str) -> bool:
    """Evaluate `(predicate)`: is this code meant for tests (a `test` not under `not`)?"""
    tokens = [m.group(0).strip() for m in _TOKEN.finditer(args) if m.group(0).strip()]
    if len(tokens) < 3 or tokens[0] != "(" or tokens[-1] != ")":
        return False
    parser = _CfgParser(tokens[1:-1])
    result = parser.predicate()
    return result and parser.done()


class _CfgParser:
    """Recursive descent over cfg tokens; returns whether each predicate implies `test`."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def done(self) -> bool:
        return self.pos == len(self.tokens)

    def _peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def _take(self) -> str:
        token = self._peek()
        self.pos += 1
        return token

    def predicate(self) -> bool:
        """Whether the predicate holds only in test builds."""
        return self._judge()[0]

    def _judge(self) -> tuple[bool, bool]:
        """(only in test builds, about testing at all): `test` is both; a test-support
        feature (`feature = "testing"`, `fuzzing`) is the second only, since downstream
        crates turn it on in their own production builds too."""
        name = self._take()
        if self._peek() == "=":
            self._take()
            value = self._take().strip('"')
            return False, name == "feature" and _TEST_FEATURE.search(value) is not None
        if self._peek() != "(":
            return name == "test", name == "test" or _TEST_FEATURE.fullmatch(name) is not None
        self._take()
        parts: list[tuple[bool, bool]] = []
        while self._peek() not in (")", ""):
            parts.append(self._judge())
            if self._peek() == ",":
                self._take()
        self._take()
        if name == "all":  # compiled only when every part holds: one `test` is enough
            return any(only for only, _ in parts), any(about for _, about in parts)
        if name == "any":
            # Compiled when any part holds: test code only if some part is `test` and
            # every other is about testing. `any(test, feature = "testing")` is
            # test-support code; `any(test, feature = "use_std")` is production code.
            only = any(only for only, _ in parts) and all(about for _, about in parts)
            return only, all(about for _, about in parts) and bool(parts)
        # not(...) and unknown operators never imply test.
        return False, False


def _macro_name(invocation: Node) -> str:
    name = invocation.child_by_field_name("macro")
    if name is None or name.text is None:
        return ""
    return name.text.decode("utf-8", "replace").rsplit("::", 1)[-1].strip()
