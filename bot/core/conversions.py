"""Is `T::try_from(x)` evidently infallible? (Then its `.unwrap()` cannot panic.)

`TryFrom` comes for free from `From`, with `Infallible` as its error: `char::try_from(b)`
for a `b: u8`, or `u64::try_from(n)` for an `n: u32`, never fails, and Clippy's
`unwrap_used` stays silent on it. Without types we read the argument's declared type
from the text: a parameter or typed `let` in the enclosing function, an `x as u8`
cast, or a suffixed literal (`7u8`). Anything else is assumed fallible.
"""

from __future__ import annotations

import re
from functools import lru_cache

# target type -> source types with a `From` impl into it (std's lossless conversions).
_LOSSLESS: dict[str, frozenset[str]] = {
    "char": frozenset({"u8"}),
    "u16": frozenset({"u8"}),
    "u32": frozenset({"u8", "u16", "char"}),
    "u64": frozenset({"u8", "u16", "u32", "char"}),
    "u128": frozenset({"u8", "u16", "u32", "u64", "char"}),
    "usize": frozenset({"u8", "u16"}),
    "i16": frozenset({"u8", "i8"}),
    "i32": frozenset({"u8", "u16", "i8", "i16"}),
    "i64": frozenset({"u8", "u16", "u32", "i8", "i16", "i32"}),
    "i128": frozenset({"u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"}),
    "isize": frozenset({"u8", "i8", "i16"}),
}
_TYPES = "u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|char"
_CALL = re.compile(
    r"^(?:(?:std|core)::(?:convert::)?)?(\w+)::try_from\((.*)\)$",
    re.DOTALL,
)
_CAST = re.compile(rf"\bas\s+({_TYPES})$")
_SUFFIXED = re.compile(
    r"^(?:0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)([ui](?:8|16|32|64|128|size))$"
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def infallible_conversion(receiver: str, fn_text: str) -> bool:
    """True when `receiver` is a `T::try_from(arg)` whose argument evidently converts
    into `T` without loss."""
    call = _CALL.match(receiver.strip())
    if call is None:
        return False
    target, arg = call.group(1), call.group(2).strip()
    source = _type_of(arg, fn_text)
    return source is not None and (source == target or source in _LOSSLESS.get(target, ()))


def _type_of(arg: str, fn_text: str) -> str | None:
    literal = _SUFFIXED.match(arg.lower())
    if literal is not None:
        return str(literal.group(1))
    if arg.startswith("b'") and arg.endswith("'"):
        return "u8"
    if arg.startswith("'") and arg.endswith("'") and len(arg) >= 3:
        return "char"
    cast = _CAST.search(arg)
    if cast is not None:
        return str(cast.group(1))
    if _IDENT.match(arg) and arg in fn_text:
        # Every declaration of the name in the function must agree (a closure's `|b: u32|`
        # elsewhere makes it unclear which one this is).
        declared = {str(m.group(1)) for m in _declared(arg).finditer(fn_text)}
        if len(declared) == 1:
            return declared.pop()
    return None


@lru_cache(maxsize=256)
def _declared(name: str) -> re.Pattern[str]:
    """`name: u8` as a parameter or typed `let` (the type exactly a primitive)."""
    escaped = re.escape(name)
    return re.compile(rf"{escaped}(?<!\w{escaped})\s*:\s*({_TYPES})(?![\w<:])")
