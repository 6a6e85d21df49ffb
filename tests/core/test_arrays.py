"""Literal indices are flagged unless the receiver is evidently a fixed-size array."""

from __future__ import annotations

import re

import pytest

from bot.core.arrays import evidently_array


@pytest.mark.parametrize(
    ("receiver", "fn_text", "file_text", "expected"),
    [
        ("[1, 2, 3]", "", "", True),
        ('b"abc"', "", "", True),
        ("n.to_le_bytes()", "", "", True),
        ("arr", "fn f(arr: [u8; 4]) {}", "", True),
        ("arr", "fn f(arr: &mut [u8; 4]) {}", "", True),
        ("arr", "fn f() { let arr = [0; 4]; }", "", True),
        ("arr", "fn f() { let mut arr: [u8; N] = make(); }", "", True),
        ("TABLE", "fn f() {}", "const TABLE: [u8; 2] = [1, 2];", True),
        ("self.buf", "", "struct S { buf: [u8; 16] }", True),
        ("raw", "fn f(self) { let raw = self.bits.to_ne_bytes(); }", "", True),
        ("raw", "fn f(self) { let raw = self.bits.to_ne_bytes().to_vec(); }", "", False),
        # bytes' tests: `let bs = b"1b23exfcz3r"; ... bs[..9]` (Clippy: an array)
        ("bs", 'fn f() { let bs = b"1b23exfcz3r"; }', "", True),
        ("bs", 'fn f() { let bs = br#"x"#; }', "", True),
        ("bs", 'fn f() { let bs = b"a\\"b"; }', "", True),
        ("bs", 'fn f() { let bs = b"abc".to_vec(); }', "", False),
        ("bs", 'fn f() { let bs = br#"a"b"#.to_vec(); }', "", False),
        ("bs", 'fn f() { let bs = "abc"; }', "", False),
        ("v", "fn f(v: &[u8]) {}", "", False),
        ("v", "fn f(v: Vec<u8>) {}", "", False),
        ("self.buf", "", "struct S { buf: Vec<u8> }", False),
        ("x.y()", "", "", False),
        ("a(rr", "fn f(arr: [u8; 4]) {}", "", False),
    ],
)
def test_array_evidence(receiver: str, fn_text: str, file_text: str, expected: bool) -> None:
    assert evidently_array(receiver, fn_text, file_text) is expected


def test_huge_receiver_text_is_answered_quickly() -> None:
    assert evidently_array("x" * 100_000, "fn f() {}", "") is False


def _reference(receiver: str, fn_text: str, file_text: str) -> bool:
    """The definition, written with plain `\\b` regexes (slow on big files)."""
    array_type = r"&?\s*(?:'\w+\s+)?(?:mut\s+)?\[[^\[\];]*;[^\]]*\]"
    compact = "".join(receiver.split())
    if compact.startswith(("[", 'b"', 'br"', "br#")) or re.match(
        r"^[\w:.()]*\.to_(?:le|be|ne)_bytes\(\)$", compact
    ):
        return True
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", compact):
        name = re.escape(compact)
        declared = (
            rf"\b{name}\s*:\s*{array_type}",
            rf"\blet\s+(?:mut\s+)?{name}\s*(?::[^=;]*)?=\s*\[",
            rf"\blet\s+(?:mut\s+)?{name}\s*=[^;]*\.to_(?:le|be|ne)_bytes\(\)\s*;",
        )
        if any(re.search(pattern, fn_text) for pattern in declared):
            return True
        item = rf"\b(?:const|static)\s+(?:mut\s+)?{name}\s*:\s*{array_type}"
        return re.search(item, file_text) is not None
    field = re.match(r"^(?:self|[A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$", compact)
    if field is not None:
        return (
            re.search(rf"\b{re.escape(field.group(1))}\s*:\s*{array_type}", file_text) is not None
        )
    return False


_TEXTS = [
    "fn f(arr: [u8; 4]) {}",
    "fn f(xarr: [u8; 4], arr_: [u8; 2]) {}",
    "fn f(éarr: [u8; 4]) {}",
    "fn f(_arr: &'a mut [u8; 4]) {}",
    "fn f() { let  mut\tarr = [0; 4]; }",
    "fn f() { let arr: [u8; N] = make(); let tarr = [1]; }",
    "fn f() { letarr = [1]; alet arr = [2]; }",
    "fn f() { let arr = x.to_be_bytes(); }",
    "const arr: [u8; 2] = [1, 2];",
    "constarr: [u8; 2]; static mut arr : [u8; 3];",
    "struct S { buf: [u8; 16], xbuf: Vec<u8> }",
    "struct S { ébuf: [u8; 16] }",
    # A comment's `[0; len)` must not swallow the declaration after it (one pass).
    "// valid: [0; len) only\nstruct S { buf: [u8; 4] }",
    "const" + " " * 400 + "TABLE: [u8; 4];",
    "const " + "T" * 320 + ": [u8; 4]; fn f(arr: u8) {}",
]


@pytest.mark.parametrize(
    "receiver", ["arr", "buf", "self.buf", "s.xbuf", "TABLE", "a r r", "T" * 320]
)
def test_array_evidence_agrees_with_the_plain_regex_definition(receiver: str) -> None:
    for fn_text in ["", *_TEXTS]:
        for file_text in ["", *_TEXTS]:
            expected = _reference(receiver, fn_text, file_text)
            assert evidently_array(receiver, fn_text, file_text) is expected
