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
from functools import lru_cache

_ARRAY_TYPE = r"&?\s*(?:'\w+\s+)?(?:mut\s+)?\[[^\[\];]*;[^\]]*\]"
_BYTES_CALL = re.compile(r"^[\w:.()]*\.to_(?:le|be|ne)_bytes\(\)$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^(?:self|[A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$")


def evidently_array(receiver: str, fn_text: str, file_text: str) -> bool:
    compact = "".join(receiver.split())
    # A byte string literal is a `&[u8; N]`.
    if compact.startswith(("[", 'b"', 'br"', "br#")) or _BYTES_CALL.match(compact):
        return True
    if _IDENT.match(compact):
        if compact in fn_text and any(p.search(fn_text) for p in _declarations(compact)):
            return True
        return compact in file_text and any(p.search(file_text) for p in _items(compact))
    field = _FIELD.match(compact)
    if field is not None:
        name = field.group(1)
        return name in file_text and _field(name).search(file_text) is not None
    return False


# Each pattern starts with a literal word, so sre's fast literal search finds the few
# places worth matching (a leading `\b` made it try every position of a big file);
# `word(?<!\wword)` is `\bword` for a word that starts with a word character.
def _word(word: str, rest: str) -> re.Pattern[str]:
    escaped = re.escape(word)
    return re.compile(rf"{escaped}(?<!\w{escaped}){rest}")


@lru_cache(maxsize=256)
def _declarations(name: str) -> tuple[re.Pattern[str], ...]:
    """A parameter or `let` in the function that makes `name` an array."""
    escaped = re.escape(name)
    return (
        _word(name, rf"\s*:\s*{_ARRAY_TYPE}"),  # parameter or typed let
        _word("let", rf"\s+(?:mut\s+)?{escaped}\s*(?::[^=;]*)?=\s*\["),  # let x = [..]
        # let bs = b"1b23exfcz3r";  a byte string is a `&[u8; N]` (found in bytes' tests)
        _word(
            "let",
            rf"\s+(?:mut\s+)?{escaped}\s*=\s*"
            rf"(?:b\"(?:[^\"\\]|\\.)*\"|br(#*)\"(?s:.*?)\"\1)\s*;",
        ),
        # let raw = self.bits.to_ne_bytes();  (found in regex-syntax)
        _word("let", rf"\s+(?:mut\s+)?{escaped}\s*=[^;]*\.to_(?:le|be|ne)_bytes\(\)\s*;"),
    )


@lru_cache(maxsize=256)
def _field(name: str) -> re.Pattern[str]:
    """A struct field `name: [T; N]`."""
    return _word(name, rf"\s*:\s*{_ARRAY_TYPE}")


@lru_cache(maxsize=256)
def _items(name: str) -> tuple[re.Pattern[str], ...]:
    """A file level `const` or `static` of array type named `name`."""
    rest = rf"\s+(?:mut\s+)?{re.escape(name)}\s*:\s*{_ARRAY_TYPE}"
    return (_word("const", rest), _word("static", rest))
