"""Odd bytes never crash the engine, and columns count characters (UTF-8, replaced)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()


def cols(source: bytes, changed: frozenset[int] | None = None) -> list[tuple[int, int, int]]:
    found = analyse_file("src/lib.rs", source, changed, RULES).findings
    return [(f.line, f.column, f.end_column) for f in found]


def test_empty_file_yields_nothing() -> None:
    analysis = analyse_file("src/lib.rs", b"", None, RULES)
    assert (analysis.findings, analysis.problems) == ((), ())


def test_columns_count_characters_not_bytes() -> None:
    # "é" and "名" are 2 and 3 bytes in UTF-8 but one column each.
    assert cols("fn f() { let é名 = x.unwrap(); }".encode()) == [(1, 20, 29)]


def test_invalid_utf8_counts_as_replacement_characters() -> None:
    source = b'fn f() { let s = "\xff\xfe"; x.unwrap(); }'
    assert cols(source) == [(1, 25, 34)]


def test_bom_takes_no_column() -> None:
    assert cols(b"\xef\xbb\xbffn f() { x.unwrap(); }") == [(1, 11, 20)]


def test_crlf_lines_are_counted_like_lf() -> None:
    source = b"fn f() {\r\n    a.unwrap();\r\n    b[i];\r\n}\r\n"
    assert cols(source) == [(2, 6, 15), (3, 5, 9)]
    assert cols(source, frozenset({3})) == [(3, 5, 9)]


def test_nul_bytes_do_not_crash_and_intact_code_is_found() -> None:
    source = b"fn f() { \x00 }\nfn g() { y.unwrap(); }\n"
    analysis = analyse_file("src/lib.rs", source, None, RULES)
    assert [(f.line, f.rule) for f in analysis.findings] == [(2, "unwrap-used")]


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=300),
    changed=st.none() | st.frozensets(st.integers(min_value=-2, max_value=12), max_size=6),
)
def test_arbitrary_bytes_never_raise(body: bytes, changed: frozenset[int] | None) -> None:
    source = b"fn f() { x.unwrap(); " + body + b' println!("{}", v[i]); }'
    analysis = analyse_file("src/lib.rs", source, changed, RULES)
    for finding in analysis.findings:
        assert finding.line >= 1 and finding.column >= 1
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="{}()[]<>!.;,\"'#/*$ \nabxunwrap_0r", max_size=200))
def test_arbitrary_rust_like_text_never_raises(text: str) -> None:
    analyse_file("src/lib.rs", text.encode(), None, RULES, include_tests=True)
