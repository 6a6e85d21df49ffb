"""Literal indices are flagged unless the receiver is evidently a fixed-size array."""

from __future__ import annotations

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
