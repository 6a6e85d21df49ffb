"""Needles let a whole-file scan query only around them and skip macro contents
without any; a wrong needle would lose findings silently, so every case here must
give exactly what a scan without needles gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

import bot.core.rust_macros
from bot.core.model import Finding, Rule
from bot.core.needles import needles_for
from bot.core.rules import parse_rule
from bot.core.rust import analyse_file
from bot.errors import RuleLoadError
from bot.rulefiles import DEFAULT_RULES_DIR, load_rules

RULES = load_rules()
# The same rules without needles: the engine then queries every node and parses
# every macro's contents, as it did before needles existed.
EVERYWHERE = tuple(
    dataclasses.replace(rule, match={k: v for k, v in rule.match.items() if k != "needles"})
    for rule in RULES
)
CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# Code where a needle, or the macro prefilter, could plausibly miss a match.
EDGE_CASES = [
    "fn f() { my_macro!(a, b.unwrap()); }",
    "fn f() { outer!(inner!(x.unwrap())); }",
    'fn f() { let s = format!("{}", vec![a[i], b [j]]); }',
    "fn f() { let x = v /* why */ [i]; let y = w\n    [j]; }",
    'fn f() { let s = &r#"abc"#[1..]; let t = &"abc"[i..]; }',
    "fn f() { let q = a /*c*// b; let r = c % d; let s = e/f; x /= y; }",
    "/x/ is no comment\nfn f() { let q = a/b; }",
    "fn f() { let v = é[i]; let w = (a)[i]; let z = a?[i]; }",
    "fn f() { m!(PanicScan); } // PanicScan:Ignore[unwrap-used] no reason\nfn g() { x.UNWRAP(); }",
    "macro_rules! m { ($e:expr) => { $e.unwrap() + v[$e] / 2 }; }",
    'macro_rules! m { () => { impl X { fn f(&self) { self.0.expect("set"); } } }; }',
    'fn f() { assert!(v[0] == 1, "{}", m.get(k).unwrap()); debug_assert!(x.unwrap()); }',
    "impl Drop for G { fn drop(&mut self) { std::process::exit(1); unreachable!(); } }",
    "fn f() { let c = cell.borrow_mut(); todo!(); unimplemented!(); x.get_unchecked(0); }",
    'fn f() { json!({"a": rows[i], "b": [1, 2]}); impl_int!(i8[len = 4] as u32); }',
]


def _findings(source: bytes, rules: tuple[Rule, ...], **options: bool) -> tuple[Finding, ...]:
    return analyse_file("src/lib.rs", source, None, rules, **options).findings


def _sources() -> list[bytes]:
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.rs"))]
    return corpus + [dedent(code).encode() for code in EDGE_CASES]


@pytest.mark.parametrize("include_tests", [True, False])
def test_needles_change_no_finding_on_the_corpus_and_edge_cases(include_tests: bool) -> None:
    for source in _sources():
        expected = _findings(source, EVERYWHERE, include_tests=include_tests)
        assert _findings(source, RULES, include_tests=include_tests) == expected


def test_every_shipped_rule_has_needles_so_whole_files_are_queried_around_them() -> None:
    assert needles_for(RULES) is not None
    assert needles_for(EVERYWHERE) is None


def test_an_unwrap_inside_a_custom_macro_is_found_past_the_prefilter() -> None:
    found = _findings(b"fn f() {\n    my_macro!(a, b.unwrap());\n}\n", RULES)
    assert [(f.rule, f.line, f.snippet) for f in found] == [("unwrap-used", 2, "b.unwrap()")]


def test_macro_contents_without_a_needle_are_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[bytes] = []
    real = bot.core.rust_macros.parse

    def counting(source: bytes) -> object:
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(bot.core.rust_macros, "parse", counting)
    code = b'fn f() { println!("{} {}", a.b(), c!(d)); log::info!("x.y {}", z.len()); }\n'
    assert _findings(code, RULES) == ()
    assert parsed == []
    _findings(b'fn f() { println!("{}", a.unwrap()); }\n', RULES)
    assert len(parsed) == 1


def test_a_macro_rules_body_needs_a_needle_of_a_rule_that_looks_into_bodies() -> None:
    needles = needles_for(RULES)
    assert needles is not None
    body = b"{ $buf[$i] / 2 }"  # indexing and division rules skip macro_rules! bodies
    assert needles.found_in(body)
    assert not needles.found_in(body, in_macro_rules=True)
    assert needles.found_in(b"{ $x.unwrap() }", in_macro_rules=True)


def test_ranges_are_sorted_disjoint_and_cover_every_needle() -> None:
    needles = needles_for(RULES)
    assert needles is not None
    gap = b" " * 500
    source = b"a.unwrap()" + gap + b"b.expect(1)" + b"c.unwrap()" + gap + b"x"
    ranges = needles.ranges(source)
    assert ranges == [(2, 8), (512, 529)]
    assert needles.ranges(b"fn f() { let a = b + c; }") == []


def test_needles_are_matched_case_insensitively() -> None:
    needles = needles_for(RULES)
    assert needles is not None
    assert needles.found_in(b"// PanicScan:Ignore")
    assert needles.ranges(b"x.UnWrap()") == [(2, 8)]


def _rule_with_needles(needles: object) -> str:
    data = yaml.safe_load((DEFAULT_RULES_DIR / "unwrap-used.yml").read_text(encoding="utf-8"))
    data["match"]["needles"] = needles
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize(
    ("needles", "problem"),
    [
        (["Unwrap"], "must be lowercase"),
        (["\\W"], "must be lowercase"),
        (["unwrap("], "bad regex"),
        ([], "non-empty list"),
        ("unwrap", "non-empty list"),
    ],
)
def test_bad_needles_are_refused_at_load_time(needles: object, problem: str) -> None:
    with pytest.raises(RuleLoadError, match=problem):
        parse_rule(_rule_with_needles(needles), "unwrap-used.yml")
