"""`T::try_from(x).unwrap()` on a lossless conversion cannot panic (Clippy agrees)."""

from __future__ import annotations

import pytest

from bot.core.conversions import infallible_conversion


@pytest.mark.parametrize(
    ("receiver", "fn_text", "expected"),
    [
        # regex-syntax's print.rs: `fn write_literal_byte(&mut self, b: u8)`
        ("char::try_from(b)", "fn write_literal_byte(&mut self, b: u8) -> fmt::Result {", True),
        ("u64::try_from(n)", "fn f(n: u32) {", True),
        ("u32::try_from(n)", "fn f() { let n: u16 = 3; }", True),
        ("i64::try_from(n)", "fn f(n: i64) {", True),  # T from T
        ("core::convert::TryFrom::try_from(n)", "fn f(n: u8) {", False),
        ("u8::try_from(7u8)", "", True),
        ("u32::try_from(b'x')", "", True),
        ("u32::try_from('x')", "", True),
        ("u32::try_from(x as u16)", "", True),
        ("std::primitive::u32::try_from(x)", "fn f(x: u8) {", False),
        # fallible, or not evident
        ("char::try_from(n)", "fn f(n: u32) {", False),
        ("u8::try_from(n)", "fn f(n: u32) {", False),
        ("usize::try_from(n)", "fn f(n: u64) {", False),  # 32-bit targets
        ("u32::try_from(n)", "fn f(n: i8) {", False),  # negative values
        ("char::try_from(byte)", "fn f(lit: &Literal) { let byte = lit.byte(); }", False),
        ("char::try_from(b)", "fn f(b: u8) { let g = |b: u32| b; }", False),  # two b's
        ("char::try_from(b)", "fn f(b: u8x4) {", False),
        ("char::try_from(b)", "fn f(b: Vec<u8>) {", False),
        ("u32::try_from(x as u64)", "", False),
        ("u32::try_from(v.len())", "", False),
        ("s.parse()", "fn f(s: u8) {", False),
        ("u32::try_from(300)", "", False),  # an unsuffixed literal is inferred, not known
    ],
)
def test_lossless_conversions_are_told_from_the_rest(
    receiver: str, fn_text: str, expected: bool
) -> None:
    assert infallible_conversion(receiver, fn_text) is expected
