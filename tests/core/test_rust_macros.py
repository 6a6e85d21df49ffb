"""Code inside macro token trees is analysed like any other code."""

from __future__ import annotations

import random
from pathlib import Path
from textwrap import dedent

import pytest

from bot.core.rust import FileAnalysis, analyse_file
from bot.core.rust_macros import TOKEN_TREES, Batch, _parse_alone, _Pending, parse_level
from bot.core.rust_syntax import matches, parse
from bot.rulefiles import load_rules

RULES = load_rules()


def scan(code: str, changed: frozenset[int] | None = None) -> FileAnalysis:
    return analyse_file("src/lib.rs", dedent(code).encode(), changed, RULES)


def snippets(code: str) -> list[tuple[str, str]]:
    return [(f.rule, f.snippet) for f in scan(code).findings]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('let s = format!("{}", x.unwrap());', ("unwrap-used", "x.unwrap()")),
        ("let v = vec![v[i]];", ("index-or-slice", "v[i]")),
        ("let v = vec![v[i]; n];", ("index-or-slice", "v[i]")),
        ("x.push(r.unwrap());", ("unwrap-used", "r.unwrap()")),
        ('println!("{a}", a = opt.unwrap());', ("unwrap-used", "opt.unwrap()")),
        ('write!(f, "{}", m.get(k).expect("k"))?;', ("unwrap-on-lookup", 'm.get(k).expect("k")')),
        ('let j = json!({"a": rows[i], "b": [1, 2]});', ("index-or-slice", "rows[i]")),
        ("debug_assert!(x.unwrap() > 0);", ("unwrap-used", "x.unwrap()")),
        ('let s = format!("{}", if ok { 1 } else { todo!() });', ("unfinished-code", "todo!()")),
    ],
)
def test_code_inside_macro_arguments_is_flagged(statement: str, expected: tuple[str, str]) -> None:
    assert snippets(f"fn f() {{\n    {statement}\n}}\n") == [expected]


def test_nested_macros_are_searched_at_every_level() -> None:
    code = 'fn f() { println!("{}", format!("{}", vec![a.unwrap(), b[i]].len())); }'
    assert snippets(code) == [("unwrap-used", "a.unwrap()"), ("index-or-slice", "b[i]")]


def test_macro_positions_map_back_to_the_file() -> None:
    code = 'fn f() {\n    println!(\n        "{} {}",\n        x.unwrap(),\n        y,\n    );\n}\n'
    finding = scan(code).findings[0]
    assert (finding.line, finding.column, finding.end_column) == (4, 10, 19)
    assert finding.item_path == "fn f"


def test_macro_arguments_respect_changed_lines() -> None:
    code = 'fn f() {\n    println!(\n        "{}",\n        x.unwrap(),\n    );\n}\n'
    assert [f.line for f in scan(code, frozenset({4})).findings] == [4]
    assert scan(code, frozenset({2, 3})).findings == ()


def test_macro_rules_body_is_searched_and_keeps_the_metavariable() -> None:
    code = """\
    macro_rules! get {
        ($map:expr, $key:expr) => {
            $map.parse($key).unwrap()
        };
    }
    """
    finding = scan(code).findings[0]
    assert finding.rule == "unwrap-used"
    assert finding.snippet == "$map.parse($key).unwrap()"
    assert finding.message.startswith("`$map.parse($key)` is unwrapped")
    assert finding.item_path == "macro_rules! get"


def test_strings_inside_macros_are_not_flagged() -> None:
    code = r'fn f() { println!("x.unwrap() v[i] {}", r#"todo!()"#); log!("{:?}", "a[b]"); }'
    assert snippets(code) == []


def test_debug_assert_itself_is_not_a_panic_macro() -> None:
    found = snippets("fn f() { debug_assert!(ok); assert!(ok); debug_assert_eq!(a, b); }")
    assert found == [("assert-in-production", "assert!(ok)")]


def test_unbalanced_looking_macro_contents_never_crash() -> None:
    code = (
        'fn f() { html! { <div class="x">{ items.get(i).unwrap() }</div> }; '
        "sql!(SELECT * FROM t); }"
    )
    found = snippets(code)
    assert ("unwrap-on-lookup", "items.get(i).unwrap()") in found


def test_indexing_in_custom_macro_dsls_is_not_flagged_but_in_std_macros_it_is() -> None:
    code = 'fn f() { impl_int!(i8[len = 4] as u32); println!("{}", v[i]); vec![w[j]]; }'
    assert [s for r, s in snippets(code) if r == "index-or-slice"] == ["v[i]", "w[j]"]


def test_deeply_nested_macros_stop_at_the_depth_limit() -> None:
    inner = "x.unwrap()"
    for _ in range(20):
        inner = f"m!({inner})"
    analysis = scan(f"fn f() {{ {inner}; }}")
    assert analysis.findings == ()


# Token tree contents that parse cleanly in one wrapper, in another, or in none.
_CONTENTS = [
    b'"{}", x.unwrap()',
    b"a[i]; n",
    b"\n    fn inner(v: &[u8]) -> u8 { v[0] }\n    impl X for $t { fn f() {} }\n",
    b"i8[len = 4] as u32",
    b'{ "a": [1, 2], "b": { "c": rows[i] } }',
    b"@array [$($elems,)*] $($rest)*",
    b'use a::b; let x = 1; x.expect("y")',
    b"",
    b"$($x:expr),* => { $( $x.unwrap(); )* }",
    b"0u8; 32",
]


def _pending_trees(seed: int) -> list[_Pending]:
    """Every token tree of the corpus, and the odd ones above, in a shuffled order."""
    contents = list(_CONTENTS)
    for path in sorted(Path(__file__).resolve().parents[1].joinpath("corpus").glob("*.rs")):
        source = path.read_bytes()
        for captures in matches(TOKEN_TREES, parse(source)):
            tree = captures["tt"][0]
            contents.append(source[tree.start_byte + 1 : tree.end_byte - 1])
    random.Random(seed).shuffle(contents)
    pending, start = [], 0
    for text in contents:
        pending.append(_Pending(start, text, (), None, False, 1, "m"))
        start += len(text) + 10
    return pending


def _parsed_as(batches: list[Batch]) -> dict[int, tuple[bytes, str]]:
    """File start of each layer -> (the wrapper prefix it was parsed in, the S-expression
    of that wrapper's tree)."""
    shapes = {}
    for batch in batches:
        for layer in batch.layers:
            node = batch.root.descendant_for_byte_range(layer.lo, layer.hi)
            while node is not None and node.parent is not None and node.type != "function_item":
                node = node.parent
            assert node is not None and node.text is not None
            shapes[layer.lo + layer.delta] = (node.text[: layer.lo - node.start_byte], str(node))
    return shapes


@pytest.mark.parametrize("seed", range(6))
def test_shared_parses_choose_what_parsing_each_tree_alone_chooses(seed: int) -> None:
    pending = _pending_trees(seed)
    alone = [_parse_alone(item) for item in pending]  # the reference: wrappers in order
    assert _parsed_as(parse_level(pending)) == _parsed_as(alone)
    assert len(_parsed_as(alone)) == len(pending)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # json!'s own syntax fails every wrapper; its values parse alone, as expressions.
        (
            'let a = json!({"a": 1, "b": m.get("k").unwrap()});',
            [("unwrap-on-lookup", 'm.get("k")')],
        ),
        (
            'let a = json!({"a": y.unwrap(), "n": {"deep": [v[2], 3]}});',
            [("unwrap-used", "y"), ("index-or-slice", "v[2]")],
        ),
        ('let a = json!({"a": v[1]});', [("index-or-slice", "v[1]")]),
        # A `(expr)` key stays whole, and so do generic arguments: `<A, B>` is no list.
        (
            "let a = json!({ (<R<&str, ()> as C>::f(&x).unwrap()): 1 });",
            [("unwrap-used", "<R<&str, ()> as C>::f(&x)")],
        ),
        ('let a = json!({"a": f::<A, B>(x).expect("ok")});', [("expect-used", "f::<A, B>(x)")]),
        # Error recovery's guesses are gone: `"a": [1]` is no index, `"a"` unwrapped neither.
        ('let a = json!({"Array": [true], "Frog": ["Henry", []]});', []),
    ],
)
def test_a_macros_own_syntax_is_read_piece_by_piece(
    statement: str, expected: list[tuple[str, str]]
) -> None:
    found = scan(f"fn f() {{\n    {statement}\n}}\n").findings
    assert [(f.rule, f.subject) for f in found] == expected
    assert all(f.line == 2 for f in found)


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        # No `.`, `[` or `!` inside: these were never parsed (a wrong prefilter).
        ("log!(std::process::exit(1));", "process-exit"),
        ("m!(std::panic::panic_any(1));", "panic-macro"),
        ("m!(std::hint::unreachable_unchecked());", "unwrap-unchecked"),
        ('println!("{}", a / b);', "integer-division"),
    ],
)
def test_calls_and_operators_inside_macros_are_found_without_dots_or_brackets(
    statement: str, rule: str
) -> None:
    found = scan(f"fn f() {{\n    {statement}\n}}\n").findings
    assert [f.rule for f in found] == [rule]
