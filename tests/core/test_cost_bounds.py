"""Analysis cost stays bounded: a per-file findings cap that is reported, never silent,
and pathological files (one huge function, one huge line) that finish."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tree_sitter import Node

from bot.core.occurrence import compact
from bot.core.rust_syntax import SourceText
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules

RULES = load_rules()


def _unwraps(count: int) -> bytes:
    return ("fn f() {\n" + "    x.unwrap();\n" * count + "}\n").encode()


def _scan_all(source: bytes, **options: int) -> tuple[list[int], list[str], list[str]]:
    result = scan(
        [ScanTarget("src/lib.rs", None)], {"src/lib.rs": source}, RULES, ScanOptions(**options)
    )
    lines = [f.line for f in result.findings]
    return lines, [f.fingerprint for f in result.findings], [p.message for p in result.problems]


def test_findings_past_the_cap_are_counted_in_a_problem_not_dropped_silently() -> None:
    lines, _, problems = _scan_all(_unwraps(25), max_findings_per_file=10)
    assert lines == list(range(2, 12))  # the first ten by position
    assert problems == ["15 more findings not reported: over the 10-per-file cap"]


def test_a_file_under_the_cap_reports_everything_and_no_problem() -> None:
    lines, _, problems = _scan_all(_unwraps(10), max_findings_per_file=10)
    assert len(lines) == 10 and problems == []


def test_the_default_cap_is_one_thousand_findings_per_file() -> None:
    assert ScanOptions().max_findings_per_file == 1_000
    lines, _, problems = _scan_all(_unwraps(1_003))
    assert len(lines) == 1_000
    assert problems == ["3 more findings not reported: over the 1000-per-file cap"]


def test_the_cap_does_not_change_the_fingerprints_of_what_it_keeps() -> None:
    _, capped, _ = _scan_all(_unwraps(30), max_findings_per_file=7)
    _, full, _ = _scan_all(_unwraps(30), max_findings_per_file=10_000)
    assert capped == full[:7]


def test_a_match_that_yields_to_another_rule_does_not_take_a_slot_under_the_cap() -> None:
    # `.get(0).unwrap()` is unwrap-on-lookup; unwrap-used yields to it at the same start.
    source = b"fn f(v: Vec<u8>) -> u8 {\n    *v.get(0).unwrap()\n}\n"
    result = scan(
        [ScanTarget("src/lib.rs", None)],
        {"src/lib.rs": source},
        RULES,
        ScanOptions(max_findings_per_file=1),
    )
    assert [f.rule for f in result.findings] == ["unwrap-on-lookup"]
    assert result.problems == ()


def test_a_zero_or_negative_cap_builds_nothing_and_counts_everything() -> None:
    for cap in (0, -5):
        lines, _, problems = _scan_all(_unwraps(4), max_findings_per_file=cap)
        assert lines == []
        assert problems == ["4 more findings not reported: over the 0-per-file cap"]


def test_a_cap_larger_than_any_file_is_no_cap() -> None:
    lines, _, problems = _scan_all(_unwraps(50), max_findings_per_file=10**12)
    assert len(lines) == 50 and problems == []


def test_hunk_only_scans_share_one_cap_per_file_and_report_it_once() -> None:
    hunk = "fn f() {\n" + "    x.unwrap();\n" * 6 + "}\n"
    # Two hunks of the same file, head lines 1-8 and 101-108, head file unavailable.
    target = ScanTarget(
        "src/lib.rs",
        frozenset(range(2, 8)) | frozenset(range(102, 108)),
        ((1, hunk), (101, hunk)),
    )
    result = scan([target], {"src/lib.rs": None}, RULES, ScanOptions(max_findings_per_file=8))
    assert [f.line for f in result.findings] == [2, 3, 4, 5, 6, 7, 102, 103]
    capped = [p.message for p in result.problems if "cap" in p.message]
    assert capped == ["4 more findings not reported: over the 8-per-file cap"]


@pytest.mark.timeout(120)
def test_one_function_with_twenty_thousand_unwraps_completes_under_the_default_cap() -> None:
    lines, fingerprints, problems = _scan_all(_unwraps(20_000))
    assert len(lines) == 1_000 and len(set(fingerprints)) == 1_000
    assert problems == ["19000 more findings not reported: over the 1000-per-file cap"]


@pytest.mark.timeout(120)
def test_a_half_megabyte_line_of_unwraps_completes_with_exact_columns() -> None:
    statement = "x.unwrap(); "
    count = 512 * 1024 // len(statement)
    source = ("fn f() { " + statement * count + "}\n").encode()
    result = scan([ScanTarget("src/lib.rs", None)], {"src/lib.rs": source}, RULES, ScanOptions())
    columns = [f.column for f in result.findings]
    assert columns == [10 + 1 + i * len(statement) for i in range(1_000)]  # at the `.`
    assert all(f.suggestion == "" for f in result.findings)  # no megabyte-long suggestion
    assert [p.message for p in result.problems] == [
        f"{count - 1_000} more findings not reported: over the 1000-per-file cap"
    ]


@pytest.mark.timeout(120)
def test_twenty_thousand_unwraps_inside_macro_calls_complete() -> None:
    body = '    println!("{}", x.unwrap());\n' * 20_000
    lines, _, problems = _scan_all(f"fn f() {{\n{body}}}\n".encode())
    assert lines == list(range(2, 1_002))
    assert problems == ["19000 more findings not reported: over the 1000-per-file cap"]


@pytest.mark.parametrize("seed", range(40))
def test_occurrence_counts_equal_str_count_including_overlapping_needles(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice("ab/x.") for _ in range(rng.randint(0, 120)))
    items = compact(text.encode(), 0, len(text))
    for _ in range(20):
        size = rng.randint(1, 4)
        at = rng.randint(0, max(0, len(text) - size))
        needle = text[at : at + size] or "a/a"
        end = rng.randint(0, len(items.text))
        assert items.count_before(needle, end) == items.text.count(needle, 0, end)


@pytest.mark.parametrize("seed", range(20))
def test_columns_on_long_non_ascii_lines_match_a_full_decode_in_any_order(seed: int) -> None:
    rng = random.Random(seed)
    line = "".join(rng.choice(["a", "é", "字", "😀", " "]) for _ in range(300))
    source = ("\ufeff" + line + "\n" + line).encode()
    text = SourceText(source)
    first = [len(("\ufeff" + line[:i]).encode()) for i in range(301)]
    second = [len(("\ufeff" + line + "\n" + line[:i]).encode()) for i in range(301)]
    starts = [0, *first, *second]
    for offset in rng.sample(starts, len(starts)):
        row = text.line_of(offset)
        line_start = text.line_starts[row - 1]
        if row == 1:
            line_start = min(offset, 3)  # the BOM takes no column
        expected = len(source[line_start:offset].decode("utf-8", "replace")) + 1
        assert text.position(offset) == (row, expected)


def test_hostile_nesting_is_refused_up_front_and_named() -> None:
    # Node.parent is O(depth) in tree-sitter: `a[0][0]…[0]` made later steps cubic.
    from bot.core.rust import MAX_NESTING, analyse_file
    from bot.rulefiles import load_rules

    deep = ("fn g() { let x = a" + "[i]" * 20_000 + "; }\n").encode()
    analysis = analyse_file("src/a.rs", deep, None, load_rules())
    assert analysis.findings == ()
    assert any(f"deeper than {MAX_NESTING}" in p.message for p in analysis.problems)
    in_macro = ('fn g() { println!("{}", a' + "[i]" * 2_000 + "); x.unwrap(); }\n").encode()
    analysis = analyse_file("src/a.rs", in_macro, None, load_rules())
    assert [f.rule for f in analysis.findings] == ["unwrap-used"]
    assert any("macro contents" in p.message for p in analysis.problems)


def test_ordinary_nesting_is_analysed() -> None:
    from bot.core.rust import analyse_file
    from bot.core.rust_syntax import deeper_than, parse
    from bot.rulefiles import load_rules

    chain = ("fn g() { let x = v" + "[i]" * 40 + "; }\n").encode()
    assert not deeper_than(parse(chain), 256)
    assert len(analyse_file("src/a.rs", chain, None, load_rules()).findings) == 40


def _deeper_than_by_walking(root: Node, limit: int) -> bool:
    """The reference: a cursor visit of every node."""
    cursor = root.walk()
    depth = 0
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > limit:
                return True
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False
            depth -= 1


def test_the_pruned_depth_check_agrees_with_a_full_walk() -> None:
    from bot.core.rust_syntax import deeper_than, parse

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    sources = [path.read_bytes() for path in sorted(corpus.glob("*.rs"))]
    sources += [b"", b"fn", b"x", ("fn g() { a" + "[i]" * 300 + "; }").encode()]
    for source in sources:
        root = parse(source)
        for limit in (0, 1, 2, 3, 5, 8, 13, 21, 34, 256, 300, 310):
            assert deeper_than(root, limit) == _deeper_than_by_walking(root, limit)


@pytest.mark.timeout(120)
def test_literal_indexes_into_many_names_read_the_function_once() -> None:
    """`evidently_array` asks which names the enclosing fn declares as arrays; once per
    fn text, not one regex search of the whole fn per index (16,000 lines took 77 s)."""
    from bot.core import arrays

    body = "".join(f"    let a{k} = v{k}[0];\n" for k in range(16_000))
    source = f"pub fn f() {{\n{body}}}\n".encode()
    arrays._declared.cache_clear()
    lines, _, problems = _scan_all(source)
    assert lines == list(range(2, 1_002))
    assert problems == ["15000 more findings not reported: over the 1000-per-file cap"]
    assert arrays._declared.cache_info().misses <= 2  # the fn's text and the file's
