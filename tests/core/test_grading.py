"""Severity is graded per finding from its context, with the reason recorded."""

from __future__ import annotations

from textwrap import dedent

from bot.core.model import Finding
from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()


def only(code: str, rule: str) -> Finding:
    found = analyse_file("src/lib.rs", dedent(code).encode(), None, RULES).findings
    [finding] = [f for f in found if f.rule == rule]
    return finding


def test_plain_unwrap_keeps_the_rule_severity_and_has_no_notes() -> None:
    finding = only("fn f(x: Option<u8>) -> u8 { x.unwrap() }\n", "unwrap-used")
    assert (finding.severity.value, finding.risk_notes) == ("error", ())


def test_parse_in_a_result_fn_is_raised_and_offers_question_mark() -> None:
    code = """\
    fn port(text: &str) -> Result<u16, Error> {
        let port = text.parse::<u16>().unwrap();
        Ok(port)
    }
    """
    finding = only(code, "unwrap-used")
    assert "`fn port` returns `Result`: `?` is available" in finding.risk_notes
    assert "the value comes from `parse`: outside input decides it" in finding.risk_notes
    assert finding.suggestion == "    let port = text.parse::<u16>()?;"


def test_option_lookup_in_an_option_fn_offers_question_mark() -> None:
    code = "fn head(v: &[u8]) -> Option<u8> {\n    let h = *v.first().unwrap();\n    Some(h)\n}\n"
    finding = only(code, "unwrap-on-lookup")
    assert finding.suggestion == "    let h = *v.first()?;"


def test_no_suggestion_when_the_receiver_kind_does_not_evidently_match() -> None:
    # A lookup gives an Option; `?` on it does not compile in a Result fn.
    code = "fn f(v: &[u8]) -> Result<u8, E> {\n    let h = *v.first().unwrap();\n    Ok(h)\n}\n"
    assert only(code, "unwrap-on-lookup").suggestion == ""
    multi = "fn f(t: &str) -> Result<u8, E> {\n    t.parse()\n        .unwrap()\n}\n"
    assert only(multi, "unwrap-used").suggestion == ""


def test_index_in_a_loop_against_an_upper_case_limit_is_raised_and_asks_about_the_limit() -> None:
    code = """\
    fn fill(xs: &[u32], table: &mut [u32; MAX_ITEMS]) {
        for i in 0..xs.len() {
            table[i] = xs[i];
        }
    }
    """
    found = analyse_file("src/lib.rs", dedent(code).encode(), None, RULES).findings
    assert {(f.snippet, f.severity.value, f.limit) for f in found} == {
        ("table[i]", "error", "MAX_ITEMS"),
        ("xs[i]", "error", "MAX_ITEMS"),
    }


def test_assert_against_a_limit_records_the_limit() -> None:
    finding = only("fn f(v: &[u8]) { assert!(v.len() <= LIMIT); }\n", "assert-in-production")
    assert finding.limit == "LIMIT"
    assert finding.severity.value == "warning"


def test_panic_after_comparison_with_a_limit_records_it() -> None:
    code = 'fn f(n: usize) {\n    if n > MAX_FEATURES {\n        panic!("too many");\n    }\n}\n'
    assert only(code, "panic-macro").limit == "MAX_FEATURES"


def test_with_capacity_limit_then_indexing_records_the_limit() -> None:
    code = "fn f(i: usize) -> u8 {\n    let v = Vec::with_capacity(SLOTS);\n    v[i]\n}\n"
    assert only(code, "index-or-slice").limit == "SLOTS"


def test_lock_unwrap_is_lowered_with_the_poisoning_note() -> None:
    finding = only("fn f(m: &Mutex<u8>) { let g = m.lock().unwrap(); }\n", "unwrap-used")
    assert finding.severity.value == "warning"
    assert any("panicked holding the lock" in note for note in finding.risk_notes)


def test_expect_stating_an_invariant_is_lowered() -> None:
    code = 'fn f(v: V) { let x = v.total().checked_add(1).expect("never overflows: < 255"); }\n'
    assert only(code, "expect-used").severity.value == "warning"
    plain = 'fn f(r: R) { let x = r.val().expect("value"); }\n'
    assert only(plain, "expect-used").severity.value == "error"


def test_unwrap_after_is_some_guard_is_lowered_and_suggests_if_let() -> None:
    code = "fn f(x: Option<u8>) {\n    if x.is_some() {\n        use_it(x.unwrap());\n    }\n}\n"
    finding = only(code, "unwrap-used")
    assert finding.severity.value == "warning"
    assert any("`if let`" in note for note in finding.risk_notes)


def test_unwrap_in_main_is_lowered() -> None:
    finding = only("fn main() { let c = config().unwrap(); }\n", "unwrap-used")
    assert finding.severity.value == "warning"


def test_handler_names_and_async_fns_raise_warnings() -> None:
    finding = only("async fn serve(v: &[u8], i: usize) -> u8 { v[i] }\n", "index-or-slice")
    assert finding.severity.value == "error"
    assert any("per-request handler" in note for note in finding.risk_notes)


def test_closure_ends_the_search_for_the_return_type() -> None:
    code = (
        "fn f(v: Vec<&str>) -> Result<(), E> {\n"
        "    v.iter().map(|s| s.len()).max().unwrap();\n    Ok(())\n}\n"
    )
    finding = only(code, "unwrap-on-lookup")
    assert "`fn f` returns `Result`: `?` is available" in finding.risk_notes


def test_unwrap_unchecked_is_never_lowered() -> None:
    finding = only("fn main() { unsafe { x.unwrap_unchecked() }; }\n", "unwrap-unchecked")
    assert (finding.severity.value, finding.risk_notes) == ("error", ())


def test_a_thousand_findings_in_one_function_grade_in_linear_time_window() -> None:
    body = "\n".join(f"    let v{i} = a{i}.unwrap();" for i in range(2000))
    found = analyse_file("src/lib.rs", f"fn big() {{\n{body}\n}}\n".encode(), None, RULES)
    assert len(found.findings) == 2000
