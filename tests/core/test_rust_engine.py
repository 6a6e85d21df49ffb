"""The engine: changed-line ranges, positions, messages, item paths, syntax errors."""

from __future__ import annotations

from textwrap import dedent

from bot.core.model import Finding
from bot.core.rust import FileAnalysis, analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()


def scan(
    code: str,
    changed: frozenset[int] | None = None,
    *,
    path: str = "src/lib.rs",
    **options: object,
) -> FileAnalysis:
    return analyse_file(path, dedent(code).encode(), changed, RULES, **options)  # type: ignore[arg-type]


def spots(analysis: FileAnalysis) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in analysis.findings]


def only(analysis: FileAnalysis) -> Finding:
    assert len(analysis.findings) == 1, analysis.findings
    return analysis.findings[0]


THREE_UNWRAPS = """\
fn main() {
    let a = one().unwrap();
    let b = two().unwrap();
    let c = three().unwrap();
}
"""


def test_changed_lines_restrict_findings_to_those_lines() -> None:
    assert spots(scan(THREE_UNWRAPS, frozenset({3}))) == [("unwrap-used", 3)]
    assert spots(scan(THREE_UNWRAPS, frozenset({2, 4}))) == [
        ("unwrap-used", 2),
        ("unwrap-used", 4),
    ]


def test_none_means_every_line_counts() -> None:
    assert [line for _, line in spots(scan(THREE_UNWRAPS))] == [2, 3, 4]


def test_empty_or_out_of_file_changed_lines_yield_nothing() -> None:
    assert scan(THREE_UNWRAPS, frozenset()).findings == ()
    assert scan(THREE_UNWRAPS, frozenset({0, 99, -3})).findings == ()


def test_first_and_last_line_of_file_are_in_range() -> None:
    code = "fn a() { x.unwrap(); }\nfn b() {}\nfn c() { y.unwrap(); }"
    assert spots(scan(code, frozenset({1}))) == [("unwrap-used", 1)]
    assert spots(scan(code, frozenset({3}))) == [("unwrap-used", 3)]


CHAIN = """\
fn load() {
    let limit = config
        .get("limit")
        .unwrap()
        .parse::<usize>()
        .unwrap();
}
"""


def test_multi_line_chain_points_at_the_unwrap_line() -> None:
    assert spots(scan(CHAIN)) == [("unwrap-on-lookup", 4), ("unwrap-used", 6)]
    assert spots(scan(CHAIN, frozenset({6}))) == [("unwrap-used", 6)]


def test_changing_only_the_receiver_line_does_not_flag_a_later_unwrap() -> None:
    assert scan(CHAIN, frozenset({2, 3})).findings == ()


def test_unwrap_position_spans_from_dot_to_closing_paren() -> None:
    finding = only(scan("fn f() {\n    let v = cfg.parse().unwrap();\n}\n"))
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (2, 24, 2, 33)
    assert finding.snippet == "cfg.parse().unwrap()"
    assert finding.message == "`cfg.parse()` is unwrapped and panics on `None` or `Err`"


def test_multi_line_span_has_end_on_closing_line() -> None:
    code = 'fn f() {\n    let v = x.expect(\n        "present",\n    );\n}\n'
    finding = only(scan(code))
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (2, 14, 4, 6)
    assert finding.snippet == 'x.expect("present",)'


def test_long_receiver_is_truncated_in_the_message() -> None:
    receiver = "a" * 100
    finding = only(scan(f"fn f() {{ {receiver}.unwrap(); }}"))
    assert finding.message.startswith("`" + "a" * 59 + "…`")


def test_multi_line_receiver_is_rendered_on_one_line() -> None:
    finding = scan(CHAIN).findings[0]
    assert finding.message.startswith('`config.get("limit")` panics via `.unwrap()`')


def test_findings_are_sorted_by_line_column_rule() -> None:
    code = "fn f() { let y = v[i].unwrap(); todo!(); }\nfn g() { a.unwrap(); }"
    found = [(f.line, f.column, f.rule) for f in scan(code).findings]
    assert found == sorted(found)
    assert {rule for _, _, rule in found} == {"index-or-slice", "unwrap-used", "unfinished-code"}


def test_nested_index_reports_each_index() -> None:
    found = [f.snippet for f in scan("fn f() { let x = grid[r][c]; }").findings]
    assert found == ["grid[r]", "grid[r][c]"]


def test_item_path_names_enclosing_items() -> None:
    code = """\
    mod net {
        impl Parser {
            fn next(&mut self) { self.buf.pop().unwrap(); }
        }
        impl Iterator for Lexer<'_> {
            fn next(&mut self) -> Option<u8> { todo!() }
        }
    }
    fn main() { run().unwrap(); }
    const LIMIT: usize = parse_env().unwrap();
    """
    paths = [f.item_path for f in scan(code).findings]
    assert paths == [
        "mod net / impl Parser / fn next",
        "mod net / impl Iterator for Lexer<'_> / fn next",
        "fn main",
        "const LIMIT",
    ]


def test_findings_carry_severity_context_and_fingerprint() -> None:
    found = scan("fn f() { a.unwrap(); b[i]; }", context="partial").findings
    assert [(f.rule, str(f.severity)) for f in found] == [
        ("unwrap-used", "error"),
        ("index-or-slice", "warning"),
    ]
    assert all(f.context == "partial" and len(f.fingerprint) == 20 for f in found)
    assert all(f.suppressed is None for f in found)


def test_line_offset_shifts_lines_and_applies_to_changed_lines() -> None:
    hunk = "    let a = x.unwrap();\n    let b = y.unwrap();\n"
    analysis = analyse_file("src/lib.rs", hunk.encode(), frozenset({12}), RULES, line_offset=10)
    finding = only(analysis)
    assert (finding.line, finding.end_line, finding.snippet) == (12, 12, "y.unwrap()")


def test_syntax_errors_still_yield_findings_in_intact_parts() -> None:
    code = """\
    fn broken( {
        let = ;
    }

    fn fine() {
        let v = value.unwrap();
    }
    """
    analysis = scan(code)
    assert ("unwrap-used", 6) in spots(analysis)
    assert len(analysis.problems) == 1
    assert analysis.problems[0].message.startswith("syntax errors: ")
    assert analysis.problems[0].path == "src/lib.rs"


def test_clean_file_reports_no_problem() -> None:
    assert scan(THREE_UNWRAPS).problems == ()


def test_strings_comments_and_char_literals_are_never_flagged() -> None:
    code = r"""
    //! crate docs mention `x.unwrap()` and panic!()
    /// doc comment: `v[i].unwrap()`
    fn f() {
        // a.unwrap(); todo!(); v[i]
        /* b.unwrap() panic!() v[i] */
        let s = "c.unwrap() todo!() v[i]";
        let r = r#"d.unwrap() "v[i]" panic!()"#;
        let b = b"e.unwrap()";
        let c = '[';
        println!("f.unwrap() {} v[i] todo!()", 1);
    }
    """
    assert scan(code).findings == ()


def test_safe_unwrap_variants_are_never_flagged() -> None:
    code = """\
    fn f() {
        a.unwrap_or(1);
        b.unwrap_or_else(|| 2);
        c.unwrap_or_default();
        d.expect_throw_free();
        unwrap(e);
        f.unwrap;
    }
    """
    assert scan(code).findings == ()


def test_invalid_utf8_inside_a_flagged_index_is_analysed_not_raised() -> None:
    # Query predicates (#not-match?) decode node text; bad bytes there once raised.
    source = b'fn f() { v[i\xfe]; m["\xff"]; y.unwrap(); }\n'
    analysis = analyse_file("src/lib.rs", source, None, load_rules())
    assert [(f.rule, f.column) for f in analysis.findings] == [
        ("index-or-slice", 10),
        ("map-key-index", 17),
        ("unwrap-used", 26),
    ]
