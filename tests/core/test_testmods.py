"""Test helpers: files behind `#[cfg(test)] mod x;`, and property-test macros."""

from __future__ import annotations

import pytest

from bot.core.rust import analyse_file
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.core.testmods import declared_test_modules
from bot.rulefiles import load_rules

RULES = load_rules()


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("src/lib.rs", b"#[cfg(test)]\nmod tests;\n", {"src/tests.rs", "src/tests/mod.rs"}),
        (
            "src/parser.rs",
            b"#[cfg(test)]\nmod tests;",
            {"src/parser/tests.rs", "src/parser/tests/mod.rs"},
        ),
        ("src/a/mod.rs", b"#[cfg(test)] mod t;", {"src/a/t.rs", "src/a/t/mod.rs"}),
        ("src/lib.rs", b'#[cfg(test)]\n#[path = "unit/x.rs"]\nmod x;', {"src/unit/x.rs"}),
        (
            "src/lib.rs",
            b"#[cfg(any(test, fuzzing))] mod helpers;",
            {"src/helpers.rs", "src/helpers/mod.rs"},
        ),
        ("src/lib.rs", b"mod tests;\n", set()),
        ("src/lib.rs", b"#[cfg(test)]\nmod tests { fn f() {} }\n", set()),
        ("src/lib.rs", b"#[cfg(not(test))]\nmod real;\n", set()),
        ("src/lib.rs", b"\xff\xfe #[cfg(test)] mod t;", {"src/t.rs", "src/t/mod.rs"}),
    ],
)
def test_cfg_test_module_declarations_name_their_files(
    path: str, source: bytes, expected: set[str]
) -> None:
    assert declared_test_modules(path, source) == expected


def _scan(sources: dict[str, bytes], **options: object) -> list[tuple[str, str | None]]:
    targets = [ScanTarget(path, None) for path in sources]
    result = scan(targets, dict(sources), RULES, ScanOptions(**options))  # type: ignore[arg-type]
    return [(f.path, f.suppressed) for f in result.findings]


def test_file_behind_cfg_test_mod_is_test_code_when_both_are_scanned() -> None:
    sources = {
        "src/lib.rs": b"#[cfg(test)]\nmod tests;\npub fn f() {}\n",
        "src/tests.rs": b"fn helper() { x.unwrap(); }\n",
    }
    assert _scan(sources) == [("src/tests.rs", "test-code")]


@pytest.mark.parametrize("include_tests", [False, True])
def test_asserts_behind_cfg_test_mod_are_no_finding_even_with_include_tests(
    include_tests: bool,
) -> None:
    sources = {
        "src/lib.rs": b"#[cfg(test)]\nmod external;\npub fn f(n: u8) { assert!(n < 8); }\n",
        "src/external.rs": b"pub fn ext() { assert!(false); Some(1).unwrap(); }\n",
    }
    targets = [ScanTarget(path, None) for path in sources]
    result = scan(targets, dict(sources), RULES, ScanOptions(include_tests=include_tests))
    found = [(f.path, f.rule, f.suppressed) for f in result.findings]
    unwrap_mark = None if include_tests else "test-code"
    assert found == [
        ("src/external.rs", "unwrap-used", unwrap_mark),
        ("src/lib.rs", "assert-in-production", None),
    ]


def test_caller_supplied_test_module_paths_mark_a_lone_file() -> None:
    sources = {"src/support.rs": b"fn helper() { x.unwrap(); }\n"}
    assert _scan(sources) == [("src/support.rs", None)]
    marked = _scan(sources, test_module_paths=frozenset({"src/support.rs"}))
    assert marked == [("src/support.rs", "test-code")]


@pytest.mark.parametrize("macro", ["proptest!", "proptest::proptest!", "quickcheck!"])
def test_property_test_macros_are_test_code(macro: str) -> None:
    code = f"{macro} {{\n    fn roundtrip(x in 0..10u8) {{ decode(x).unwrap(); }}\n}}\n"
    found = analyse_file("src/lib.rs", code.encode(), None, RULES).findings
    assert [(f.rule, f.suppressed) for f in found] == [("unwrap-used", "test-code")]


def test_huge_file_without_mod_declarations_is_not_parsed_twice() -> None:
    # Only the byte pre-check runs: a big file with no `mod x;` yields nothing quickly.
    assert declared_test_modules("src/lib.rs", b"fn f() {}\n" * 200_000) == frozenset()
