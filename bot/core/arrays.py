"""Is an indexed value evidently a fixed-size array? (Then a literal index is checked
by the compiler, as Clippy's `indexing_slicing` assumes, and is not flagged.)

Without types we look for the declaration in the text: an array or byte string literal
receiver (`[1, 2, 3][0]`, `b"abc"[..2]`), `to_le_bytes()`-style calls that return
arrays, a parameter or `let` in the enclosing function typed `[T; N]` or initialised
with `[..]` or a byte string, a file level `const`/`static` of array type, or a struct field
`name: [T; N]` in the file.
Anything else (a slice, a Vec, a field of unknown type) is not evidently an array.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_ARRAY_TYPE = r"&?\s*(?:'\w+\s+)?(?:mut\s+)?\[[^\[\];]*;[^\]]*\]"
_BYTES_CALL = re.compile(r"^[\w:.()]*\.to_(?:le|be|ne)_bytes\(\)$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^(?:self|[A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$")
# `name: [T; N]`: a field, parameter, typed let, const or static of array type.
_TYPED_ARRAY = re.compile(rf":\s*{_ARRAY_TYPE}")
# `let` forms that make a name an array (each starts with the literal `let`, so sre's
# fast literal search finds the few places worth matching; `let(?<!\wlet)` is `\blet`):
_LET = r"let(?<!\wlet)\s+(?:mut\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*"
_LETS = (
    re.compile(rf"{_LET}(?::[^=;]*)?=\s*\["),  # let x = [..];  let x: [u8; 4] = [..]
    # let bs = b"1b23exfcz3r";  a byte string is a `&[u8; N]` (found in bytes' tests)
    re.compile(rf"{_LET}=\s*(?:b\"(?:[^\"\\]|\\.)*\"|br(#*)\"(?s:.*?)\"\2)\s*;"),
    # let raw = self.bits.to_ne_bytes();  (found in regex-syntax)
    re.compile(rf"{_LET}=[^;]*\.to_(?:le|be|ne)_bytes\(\)\s*;"),
)


def evidently_array(receiver: str, fn_text: str, file_text: str) -> bool:
    compact = "".join(receiver.split())
    # A byte string literal is a `&[u8; N]`.
    if compact.startswith(("[", 'b"', 'br"', "br#")) or _BYTES_CALL.match(compact):
        return True
    if _IDENT.match(compact):
        # A parameter or `let` in the function, or a const/static in the file.
        # (Set lookups: `name in text` per index was itself quadratic in a big fn.)
        return compact in _declared(fn_text).local or compact in _declared(file_text).items
    field = _FIELD.match(compact)
    if field is not None:  # a struct field `name: [T; N]` anywhere in the file
        return field.group(1) in _declared(file_text).typed
    return False


@dataclass(frozen=True)
class _Declared:
    """The array names a text declares: `name: [T; N]` anywhere (`typed`), those that
    are `const`/`static` items (`items`), and with the `let` forms (`local`)."""

    typed: frozenset[str]
    items: frozenset[str]
    local: frozenset[str]


@lru_cache(maxsize=64)
def _declared(text: str) -> _Declared:
    """One pass over a function's or file's text, not a search of the whole text per
    indexed name (a generated fn of 8,000 `let a = v[0];` was quadratic: minutes)."""
    typed: set[str] = set()
    items: set[str] = set()
    at = _TYPED_ARRAY.search(text)
    while at is not None:
        # Overlapping: `// [0; len) ..` in a comment must not swallow `buf: [u8; 4]`.
        name, name_start = _word_before(text, at.start())
        if _IDENT.match(name):
            typed.add(name)
            keyword, keyword_start = _word_before(text, name_start)
            if keyword == "mut":
                keyword, _ = _word_before(text, keyword_start)
            if keyword in ("const", "static"):
                items.add(name)
        at = _TYPED_ARRAY.search(text, at.start() + 1)
    local = set(typed)
    for pattern in _LETS:
        local.update(match.group(1) for match in pattern.finditer(text))
    return _Declared(frozenset(typed), frozenset(items), frozenset(local))


def _word_before(text: str, end: int) -> tuple[str, int]:
    """The word (letters, digits, `_`) that ends just before `end`, whitespace between
    skipped, and where it starts; "" when something else comes first."""
    stop = end
    while stop > 0 and text[stop - 1].isspace():
        stop -= 1
    start = stop
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:stop], start
