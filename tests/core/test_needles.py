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
    dataclasses.replace(
        rule,
        match={k: v for k, v in rule.match.items() if k not in ("needles", "file_needles")},
    )
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
    # panic-in-drop runs only in files with a Drop impl, and only there looks for the
    # needles no other rule has (in a test file: `assert`).
    "fn f() { assert!(a); }\nmod m {\n    impl<T> core::ops::Drop\n    for G<T> {\n"
    '        fn drop(&mut self) { assert_eq!(self.n, 0); format!("{}", x.unwrap()); }\n'
    "    }\n}\nfn g() { assert!(b); } // impl Drop for nothing\n",
    "macro_rules! guard { ($t:ty) => { impl Drop for $t { fn drop(&mut self) {\n"
    "    assert!(self.ok); } } }; }\n#[test]\nfn t() { assert!(c); }\n",
    # A `[` after `= `, `: `, `, `, `=> `... opens an array or a slice type, never an index.
    "fn f(t: [u8; 4]) -> [u8; 2] { let a = [1, 2]; g(a, [3]); let b = &mut [0u8; 4];\n"
    "    match x { _ => [t[0], t\n\t[1], t [2], (t) [3]] }; let c: &'static [u8] = &b [..]; }",
]


def _findings(
    source: bytes, rules: tuple[Rule, ...], *, path: str = "src/lib.rs", **options: bool
) -> tuple[Finding, ...]:
    return analyse_file(path, source, None, rules, **options).findings


def _sources() -> list[bytes]:
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.rs"))]
    return corpus + [dedent(code).encode() for code in EDGE_CASES]


@pytest.mark.parametrize("path", ["src/lib.rs", "tests/it.rs"])
@pytest.mark.parametrize("include_tests", [True, False])
def test_needles_change_no_finding_on_the_corpus_and_edge_cases(
    include_tests: bool, path: str
) -> None:
    for source in _sources():
        expected = _findings(source, EVERYWHERE, include_tests=include_tests, path=path)
        assert _findings(source, RULES, include_tests=include_tests, path=path) == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [(-3, [(5, "assert_eq!(self.n, 0)"), (5, "x.unwrap()")]), (-2, [(2, "assert!(self.ok)")])],
)
def test_panic_in_drop_fires_in_a_test_file_where_only_it_wants_assert(
    case: int, expected: list[tuple[int, str]]
) -> None:
    """In a test file assert-in-production does not run, so `assert` is a needle of
    panic-in-drop alone, looked for only in the items holding `Drop for`."""
    found = _findings(
        dedent(EDGE_CASES[case]).encode(), RULES, include_tests=True, path="tests/it.rs"
    )
    assert [(f.line, f.snippet) for f in found if f.rule == "panic-in-drop"] == expected
    assert not [f for f in found if f.rule == "assert-in-production"]


def test_regional_needles_are_looked_for_only_inside_the_regions() -> None:
    rules = tuple(r for r in RULES if r.id in ("panic-in-drop", "unwrap-used"))
    needles = needles_for(rules)
    assert needles is not None
    gap = b" " * 200
    source = b"assert!(a);" + gap + b"x.unwrap();" + gap + b"assert!(b);"
    assert needles.ranges(source) == [(213, 219)]  # unwrap is everywhere, assert regional
    assert needles.ranges(source, [(422, 433)]) == [(213, 219), (422, 428)]


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


def _rule_with_needles(needles: object, key: str = "needles") -> str:
    data = yaml.safe_load((DEFAULT_RULES_DIR / "unwrap-used.yml").read_text(encoding="utf-8"))
    data["match"][key] = needles
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
@pytest.mark.parametrize("key", ["needles", "file_needles"])
def test_bad_needles_are_refused_at_load_time(needles: object, problem: str, key: str) -> None:
    with pytest.raises(RuleLoadError, match=problem):
        parse_rule(_rule_with_needles(needles, key), "unwrap-used.yml")


@pytest.mark.parametrize("value", ["yes", 1, None, ["true"]])
def test_skip_in_tests_must_be_true_or_false(value: object) -> None:
    with pytest.raises(RuleLoadError, match="skip_in_tests: must be true or false"):
        parse_rule(_rule_with_needles(value, "skip_in_tests"), "unwrap-used.yml")


def test_an_oversized_file_needle_list_loads_and_still_finds_its_text() -> None:
    many = [f"word{n}(?!\\w)" for n in range(2_000)] + ["drop(?<!\\wdrop)\\s+for(?!\\w)"]
    rule = parse_rule(_rule_with_needles(many, "file_needles"), "unwrap-used.yml")
    source = b"impl Drop for G { fn drop(&mut self) { x.unwrap(); } }\nfn f() { y.unwrap(); }\n"
    found = analyse_file("src/lib.rs", source, None, (rule,)).findings
    assert [f.line for f in found] == [1]  # only in the top-level item holding the text
    assert analyse_file("src/lib.rs", b"fn f() { y.unwrap(); }\n", None, (rule,)).findings == ()


def _changed_patterns(source: bytes) -> list[frozenset[int]]:
    lines = source.count(b"\n") + 1
    every = range(1, lines + 1)
    return [
        frozenset(every),
        frozenset(n for n in every if n % 2),
        frozenset(n for n in every if n % 3 == 0),
        frozenset({1}),
        frozenset({lines}),
    ]


@pytest.mark.parametrize("include_tests", [True, False])
def test_needles_change_no_finding_on_changed_lines_either(include_tests: bool) -> None:
    """A pull request's scan queries only the needles a match starting on a changed
    line can reach; it must find what querying the changed lines themselves finds."""
    for source in _sources():
        for changed in _changed_patterns(source):
            fast = analyse_file("src/lib.rs", source, changed, RULES, include_tests=include_tests)
            slow = analyse_file(
                "src/lib.rs", source, changed, EVERYWHERE, include_tests=include_tests
            )
            assert fast.findings == slow.findings, (source[:80], sorted(changed)[:5])


def test_a_match_starting_on_a_changed_line_is_found_when_its_needle_is_not_changed() -> None:
    # Changed: lines 2 and 5, where an index and a division start; their `[` and `/`
    # (the needles) sit on unchanged lines below.
    source = (
        b"fn f() {\n    let y = compute(\n        a,\n    )[i];\n"
        b"    let z = total(\n        a,\n    ) / n;\n}\n"
    )
    found = analyse_file("src/lib.rs", source, frozenset({2, 5}), RULES).findings
    assert [(f.rule, f.line) for f in found] == [("index-or-slice", 2), ("integer-division", 5)]


def test_needles_below_a_changed_line_in_the_same_item_are_reachable() -> None:
    from bot.core.rust import reachable_from
    from bot.core.rust_syntax import parse

    source = b"fn f() {\n    let y = compute(\n        a,\n    )[i];\n}\nfn g() { w[j]; }\n"
    needles = needles_for(RULES)
    assert needles is not None
    ranges = needles.ranges(source)
    line2 = (source.index(b"    let"), source.index(b"        a,"))
    kept = reachable_from(parse(source), ranges, [line2])
    index_in_f = source.index(b")[i]") + 1
    assert [r for r in kept if r[0] <= index_in_f < r[1]], "f's `[` is below line 2: kept"
    assert all(r[0] < source.index(b"fn g") for r in kept), "g is another item: not kept"
