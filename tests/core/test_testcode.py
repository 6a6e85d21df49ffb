"""Test code is skipped unless include_tests: cfg(test), #[test], test paths."""

from __future__ import annotations

from textwrap import dedent

import pytest

from bot.core.rust import analyse_file
from bot.core.testcode import is_test_attribute, is_test_path
from bot.rulefiles import load_rules

RULES = load_rules()


def lines(code: str, *, path: str = "src/lib.rs", include_tests: bool = False) -> list[int]:
    source = dedent(code).encode()
    found = analyse_file(path, source, None, RULES, include_tests=include_tests).findings
    return sorted({f.line for f in found if not f.suppressed})


def test_test_code_findings_are_kept_and_marked_suppressed() -> None:
    code = "#[cfg(test)]\nmod tests {\n    fn helper() { b.unwrap(); }\n}\n"
    found = analyse_file("src/lib.rs", code.encode(), None, RULES).findings
    assert [(f.line, f.rule, f.suppressed) for f in found] == [(3, "unwrap-used", "test-code")]


def test_findings_in_a_test_path_are_kept_and_marked_suppressed() -> None:
    found = analyse_file("tests/it.rs", b"fn main() { x.unwrap(); }", None, RULES).findings
    assert [f.suppressed for f in found] == ["test-code"]


def test_unwrap_inside_cfg_test_module_is_not_flagged() -> None:
    code = """\
    fn real() { a.unwrap(); }
    #[cfg(test)]
    mod tests {
        fn helper() { b.unwrap(); }
        #[test]
        fn it_works() { assert_eq!(c.unwrap(), 1); }
    }
    """
    assert lines(code) == [1]


def test_include_tests_keeps_test_findings_unsuppressed() -> None:
    code = "#[cfg(test)]\nmod tests {\n    fn helper() { b.unwrap(); }\n}\n"
    found = analyse_file("src/lib.rs", code.encode(), None, RULES, include_tests=True).findings
    assert [(f.line, f.suppressed) for f in found] == [(3, None)]


@pytest.mark.parametrize("include_tests", [False, True])
@pytest.mark.parametrize("path", ["src/lib.rs", "tests/it.rs"])
def test_assertions_in_test_code_are_no_finding_at_all(include_tests: bool, path: str) -> None:
    """An assert! is how a test checks: not a suppressed finding, and not one with
    --include-tests (which would list every assertion of the test suite)."""
    code = """\
    fn real(n: usize) { assert!(n < 8); }
    #[cfg(test)]
    mod tests {
        #[test]
        fn it_works() { assert_eq!(f(), 1); x.unwrap(); }
        macro_rules! check { () => { assert!(g()) } }
        fn helper() { vec![assert_ne!(a, b)]; }
    }
    """
    source = dedent(code).encode()
    found = analyse_file(path, source, None, RULES, include_tests=include_tests).findings
    asserts = [f.line for f in found if f.rule == "assert-in-production"]
    assert asserts == ([] if path.startswith("tests/") else [1])
    # Other rules still report (or mark) test code as before.
    assert [f.line for f in found if f.rule == "unwrap-used"] == [5]


@pytest.mark.parametrize(
    "attribute",
    [
        "#[test]",
        "#[tokio::test]",
        '#[tokio::test(flavor = "multi_thread")]',
        "#[async_std::test]",
        "#[cfg(test)]",
        '#[cfg(any(test, feature = "testing"))]',
        "#[cfg(all(test, unix))]",
        "#[ cfg ( test ) ]",
        '#[cfg(any(test, feature = "test-util"))]',
        "#[cfg(any(test, fuzzing))]",
        "#[bench]",
        "#[rstest]",
        "#[test_case(1, 2)]",
        "#[wasm_bindgen_test]",
        "#[quickcheck]",
        "#[test_strategy::proptest]",
    ],
)
def test_function_marked_as_test_is_skipped(attribute: str) -> None:
    code = f"{attribute}\nfn check() {{ x.unwrap(); }}\nfn real() {{ y.unwrap(); }}\n"
    assert lines(code) == [3]
    assert lines(code, include_tests=True) == [2, 3]


@pytest.mark.parametrize(
    "attribute",
    [
        "#[cfg(not(test))]",
        '#[cfg(feature = "test")]',
        "#[testing]",
        "#[cfg_attr(test, derive(Debug))]",
        "#[inline]",
    ],
)
def test_non_test_attribute_keeps_findings(attribute: str) -> None:
    code = f"{attribute}\nfn check() {{ x.unwrap(); }}\n"
    assert lines(code) == [2]


def test_test_attribute_with_comment_and_other_attributes_between() -> None:
    code = "#[test]\n// why this test exists\n#[ignore]\nfn slow() { x.unwrap(); }\n"
    assert lines(code) == []


def test_inner_cfg_test_attribute_marks_whole_file() -> None:
    code = "//! helpers for tests\n#![cfg(test)]\nfn helper() { x.unwrap(); }\n"
    assert lines(code) == []
    assert lines(code, include_tests=True) == [3]


def test_inner_cfg_test_attribute_in_module_marks_that_module() -> None:
    code = "mod t {\n    #![cfg(test)]\n    fn h() { x.unwrap(); }\n}\nfn real() { y.unwrap(); }\n"
    assert lines(code) == [5]


def test_macro_inside_test_function_is_skipped() -> None:
    code = '#[test]\nfn t() {\n    println!("{}", v[i]);\n    assert!(r.unwrap());\n}\n'
    assert lines(code) == []
    assert lines(code, include_tests=True) == [3, 4]


@pytest.mark.parametrize(
    "path",
    [
        "tests/integration.rs",
        "crates/core/tests/it/main.rs",
        "benches/speed.rs",
        "examples/demo.rs",
        "build.rs",
        "crates/sys/build.rs",
    ],
)
def test_test_paths_are_skipped(path: str) -> None:
    assert is_test_path(path)
    assert lines("fn main() { x.unwrap(); }", path=path) == []
    assert lines("fn main() { x.unwrap(); }", path=path, include_tests=True) == [1]


@pytest.mark.parametrize(
    "path", ["src/lib.rs", "src/tests.rs", "src/testing/mod.rs", "src/build.rs.in", "mybuild.rs"]
)
def test_ordinary_paths_are_not_test_paths(path: str) -> None:
    assert not is_test_path(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("test", True),
        ("tokio::test", True),
        ("cfg(test)", True),
        ("cfg(all(unix, any(test, fuzzing)))", True),
        ("cfg(any(test))", True),
        ("cfg(any())", False),
        ("cfg(not(test))", False),
        ("cfg(all(not(test), unix))", False),
        ('cfg(feature = "test")', False),
        ("cfg(test", False),
        ("cfg", False),
        ("derive(Debug)", False),
    ],
)
def test_cfg_predicates_are_evaluated(text: str, expected: bool) -> None:
    assert is_test_attribute(text) is expected


@pytest.mark.parametrize(
    "attribute",
    [
        # Compiled whenever the feature is on, as in the crate's own default build.
        '#[cfg(any(test, feature = "use_std"))]',
        '#[cfg(any(all(test, unix), feature = "std"))]',
        '#[cfg(feature = "testing")]',  # downstream crates enable it in production too
        "#[cfg(not(test))]",
    ],
)
def test_code_compiled_outside_tests_too_is_production_code(attribute: str) -> None:
    code = f"{attribute}\nfn check() {{ x.unwrap(); }}\n"
    assert lines(code) == [2]
