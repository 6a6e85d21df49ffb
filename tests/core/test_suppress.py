"""Suppressions are recorded on the finding, never dropped: allow attributes, inline ignores."""

from __future__ import annotations

from textwrap import dedent

import pytest

from bot.core.model import Finding
from bot.core.rust import analyse_file
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules

RULES = load_rules()


def found(code: str) -> list[Finding]:
    return list(analyse_file("src/lib.rs", dedent(code).encode(), None, RULES).findings)


def marks(code: str) -> list[tuple[int, str, str | None]]:
    return [(f.line, f.rule, f.suppressed) for f in found(code)]


@pytest.mark.parametrize(
    "attribute",
    [
        "#[allow(clippy::unwrap_used)]",
        '#[expect(clippy::unwrap_used, reason = "checked by the caller")]',
        "#[allow(clippy::restriction)]",
        "#[allow(dead_code, clippy::unwrap_used)]",
        '#[cfg_attr(feature = "strict", allow(clippy::unwrap_used))]',
        "#[allow( clippy :: unwrap_used )]",
    ],
)
def test_allow_attribute_on_the_function_marks_the_finding(attribute: str) -> None:
    code = f"{attribute}\nfn f() {{ x.unwrap(); }}\nfn g() {{ y.unwrap(); }}\n"
    assert marks(code) == [(2, "unwrap-used", "allow-attribute"), (3, "unwrap-used", None)]


@pytest.mark.parametrize(
    "attribute",
    [
        "#[allow(clippy::all)]",
        "#[allow(clippy::pedantic)]",
        "#[allow(clippy::expect_used)]",
        "#[allow(unwrap_used)]",
        '#[doc = "allow(clippy::unwrap_used)"]',
    ],
)
def test_attributes_that_clippy_would_not_honour_suppress_nothing(attribute: str) -> None:
    assert marks(f"{attribute}\nfn f() {{ x.unwrap(); }}\n") == [(2, "unwrap-used", None)]


def test_crate_level_inner_allow_covers_the_whole_file() -> None:
    code = "#![allow(clippy::unwrap_used)]\nmod m {\n    fn f() { x.unwrap(); }\n}\n"
    assert marks(code) == [(3, "unwrap-used", "allow-attribute")]


def test_allow_on_an_enclosing_impl_or_module_counts() -> None:
    code = """\
    #[allow(clippy::unwrap_used)]
    impl Parser {
        fn next(&mut self) { self.buf.parse().unwrap(); }
    }
    #[allow(clippy::indexing_slicing)]
    mod table {
        fn at(v: &[u8], i: usize) -> u8 { v[i] }
    }
    """
    assert marks(code) == [
        (3, "unwrap-used", "allow-attribute"),
        (7, "index-or-slice", "allow-attribute"),
    ]


def test_inner_deny_overrides_an_outer_allow() -> None:
    code = """\
    #![allow(clippy::unwrap_used)]
    #[deny(clippy::unwrap_used)]
    fn strict() { x.unwrap(); }
    fn lax() { y.unwrap(); }
    """
    assert marks(code) == [(3, "unwrap-used", None), (4, "unwrap-used", "allow-attribute")]


def test_allow_on_a_statement_covers_only_that_statement() -> None:
    code = """\
    fn f() {
        #[allow(clippy::unwrap_used)]
        let a = x.unwrap();
        let b = y.unwrap();
    }
    """
    assert marks(code) == [(3, "unwrap-used", "allow-attribute"), (4, "unwrap-used", None)]


def test_allowing_panic_does_not_allow_unreachable_or_todo() -> None:
    code = "#[allow(clippy::panic)]\nfn f() { panic!(); unreachable!(); todo!(); }\n"
    assert [(f.rule, f.suppressed) for f in found(code)] == [
        ("panic-macro", "allow-attribute"),
        ("panic-macro", None),
        ("unfinished-code", None),
    ]


def test_allow_covers_code_inside_macro_calls() -> None:
    code = '#[allow(clippy::unwrap_used)]\nfn f() { println!("{}", x.unwrap()); }\n'
    assert marks(code) == [(2, "unwrap-used", "allow-attribute")]


def test_test_code_stays_marked_test_code_even_when_also_allowed() -> None:
    code = "#[cfg(test)]\n#[allow(clippy::unwrap_used)]\nfn t() { x.unwrap(); }\n"
    assert marks(code) == [(3, "unwrap-used", "test-code")]


def test_inline_ignore_on_the_line_or_the_line_above_marks_the_finding() -> None:
    code = """\
    fn f() {
        let a = x.unwrap(); // panicscan:ignore[unwrap-used] x was checked above
        // panicscan:ignore[index-or-slice, unwrap-used] table has 256 entries
        let b = t[y.unwrap() as usize];
        let c = z.unwrap();
    }
    """
    assert marks(code) == [
        (2, "unwrap-used", "inline"),
        (4, "index-or-slice", "inline"),
        (4, "unwrap-used", "inline"),
        (5, "unwrap-used", None),
    ]


def test_inline_ignore_two_lines_above_suppresses_nothing() -> None:
    code = "fn f() {\n    // panicscan:ignore[unwrap-used] too far\n\n    x.unwrap();\n}\n"
    assert marks(code) == [(4, "unwrap-used", None)]


def test_inline_ignore_for_another_rule_leaves_the_finding_alone() -> None:
    code = "fn f() {\n    x.unwrap(); // panicscan:ignore[index-or-slice] not this one\n}\n"
    assert marks(code) == [(2, "unwrap-used", None)]


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("// panicscan:ignore[unwrap-usd] typo", "unknown rule id `unwrap-usd`"),
        ("// panicscan:ignore[unwrap-used]", "add the reason"),
        ("// panicscan:ignore[unwrap-used]    ", "add the reason"),
        ("// panicscan:ignore everything here", "write it as"),
        ("// panicscan:ignore[] reason", "name the rule id"),
        ("// panicscan:ignore[unwrap-used, nope] reason", "unknown rule id `nope`"),
        ("// PanicScan: Ignore[unwrap-used] reason", "write it as"),
    ],
)
def test_malformed_inline_ignore_suppresses_nothing_and_is_reported(
    comment: str, problem: str
) -> None:
    findings = found(f"fn f() {{\n    x.unwrap(); {comment}\n}}\n")
    unwrap = [f for f in findings if f.rule == "unwrap-used"]
    invalid = [f for f in findings if f.rule == "invalid-ignore"]
    assert [f.suppressed for f in unwrap] == [None]
    assert len(invalid) == 1
    assert invalid[0].line == 2
    assert invalid[0].message.endswith(problem) or problem in invalid[0].message


def test_oversized_malformed_ignore_is_reported_with_a_bounded_message() -> None:
    comment = "// panicscan:ignore[" + "x" * 100_000 + "] reason"
    [invalid] = [f for f in found(f"fn f() {{ {comment}\n}}\n") if f.rule == "invalid-ignore"]
    assert len(invalid.message) < 400
    assert "unknown rule id" in invalid.message


def test_doc_comments_that_show_the_syntax_are_not_ignores() -> None:
    code = "/// use `// panicscan:ignore[rule-id] reason`\nfn f() { x.unwrap(); }\n"
    assert marks(code) == [(2, "unwrap-used", None)]


def test_well_formed_ignore_is_not_itself_reported() -> None:
    code = "fn f() {\n    x.unwrap(); // panicscan:ignore[unwrap-used] checked\n}\n"
    assert [f.rule for f in found(code)] == ["unwrap-used"]


def _scan(code: str, options: ScanOptions) -> list[tuple[str, str | None]]:
    result = scan([ScanTarget("src/lib.rs", None)], {"src/lib.rs": code.encode()}, RULES, options)
    return [(f.rule, f.suppressed) for f in result.findings]


def test_off_by_default_rules_run_only_when_enabled() -> None:
    code = "fn f(c: &RefCell<u8>, n: u32) -> u32 { *c.borrow_mut() += 1; 10 / n }\n"
    assert _scan(code, ScanOptions()) == []
    enabled = ScanOptions(enable_rules=frozenset({"refcell-borrow", "integer-division"}))
    assert sorted(_scan(code, enabled)) == [("integer-division", None), ("refcell-borrow", None)]


def test_disabled_rule_never_runs() -> None:
    options = ScanOptions(disable_rules=frozenset({"unwrap-used"}))
    assert _scan("fn f() { x.unwrap(); }\n", options) == []


def test_unknown_rule_id_in_enable_rules_is_a_problem_not_a_crash() -> None:
    options = ScanOptions(enable_rules=frozenset({"refcel-borrow"}))
    result = scan([], {}, RULES, options)
    assert [p.message for p in result.problems] == ["unknown rule id in settings: refcel-borrow"]


def test_inline_ignore_may_name_a_rule_that_is_off_by_default() -> None:
    code = "fn f() { x.borrow_mut(); } // panicscan:ignore[refcell-borrow] single-threaded\n"
    assert _scan(code, ScanOptions()) == []


def test_an_inline_ignore_may_name_a_rule_by_its_code() -> None:
    code = "fn f() {\n    x.unwrap(); // panicscan:ignore[PS001] x was checked above\n}\n"
    assert marks(code) == [(2, "unwrap-used", "inline")]
    wrong = "fn f() {\n    x.unwrap(); // panicscan:ignore[PS999] no such code\n}\n"
    assert sorted(r for _, r, _ in marks(wrong)) == ["invalid-ignore", "unwrap-used"]
