"""Oversized and malformed source through the core: skipped and named, never raised."""

from __future__ import annotations

from bot.core.model import ScanResult
from bot.core.scan import DEFAULT_OPTIONS, ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules

RULES = load_rules()
UNWRAP = b"fn f() {\n    a.unwrap();\n}\n"


def _scan(
    files: dict[str, bytes], options: ScanOptions = DEFAULT_OPTIONS, lines: int | None = 3
) -> ScanResult:
    changed = None if lines is None else frozenset(range(1, lines + 1))
    targets = [ScanTarget(path, changed) for path in files]
    return scan(targets, dict(files), RULES, options)


def test_files_past_the_changed_line_budget_are_skipped_and_named() -> None:
    files = {f"src/f{i}.rs": UNWRAP for i in range(5)}
    result = _scan(files, ScanOptions(max_changed_lines=7))
    assert sorted({f.path for f in result.findings}) == ["src/f0.rs", "src/f1.rs"]
    skipped = sorted(p.path for p in result.problems if "line budget" in p.message)
    assert skipped == ["src/f2.rs", "src/f3.rs", "src/f4.rs"]
    assert result.stats.changed_lines == 6


def test_whole_tree_scans_have_no_line_budget() -> None:
    result = _scan(
        {f"src/f{i}.rs": UNWRAP for i in range(5)}, ScanOptions(max_changed_lines=7), None
    )
    assert len(result.findings) == 5


def test_file_over_the_byte_limit_is_skipped_without_parsing() -> None:
    big = b"// x\n" * (1024 * 1024 // 5 + 1)
    result = _scan({"src/big.rs": big}, ScanOptions(max_file_bytes=1024 * 1024))
    assert result.findings == ()
    assert [p.path for p in result.problems] == ["src/big.rs"]


def test_50_mb_file_under_default_limits_is_skipped() -> None:
    result = _scan({"src/huge.rs": b"x" * (50 * 1024 * 1024)})
    assert "bytes skipped" in result.problems[0].message


def test_deep_nesting_nul_bytes_invalid_utf8_bom_crlf_and_empty_files_do_not_raise() -> None:
    files = {
        "src/nested.rs": b"fn f() { let x = " + b"(" * 100_000 + b"1" + b")" * 100_000 + b"; }\n",
        "src/nul.rs": b"fn f() {\n    a\x00.unwrap();\n}\n",
        "src/latin1.rs": b'fn f() {\n    let s = "\xff\xfe"; a.unwrap();\n}\n',
        "src/bom.rs": b"\xef\xbb\xbffn f() {\r\n    a.unwrap();\r\n}\r\n",
        "src/binary.rs": bytes(range(256)) * 64,
        "src/empty.rs": b"",
    }
    result = _scan(files)
    flagged = {f.path for f in result.findings}
    assert {"src/latin1.rs", "src/bom.rs"} <= flagged
    assert all(f.line >= 1 and f.column >= 1 for f in result.findings)
