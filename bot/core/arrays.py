"""Is an indexed value evidently a fixed-size array? (Then a literal index is checked
by the compiler, as Clippy's `indexing_slicing` assumes, and is not flagged.)

Without types we look for the declaration in the text: an array or byte string literal
receiver (`[1, 2, 3][0]`, `b"abc"[..2]`), `to_le_bytes()`-style calls that return
arrays, a parameter or `let` in the enclosing function typed `[T; N]` or initialised
with `[..]`, a file level `const`/`static` of array type, or a struct field
`name: [T; N]` in the file.
Anything else (a slice, a Vec, a field of unknown type) is not evidently an array.
"""

from __future__ import annotations

import re

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
        name = re.escape(compact)
        declared = (
            rf"\b{name}\s*:\s*{_ARRAY_TYPE}",  # parameter or typed let
            rf"\blet\s+(?:mut\s+)?{name}\s*(?::[^=;]*)?=\s*\[",  # let x = [..]
            # let raw = self.bits.to_ne_bytes();  (found in regex-syntax)
            rf"\blet\s+(?:mut\s+)?{name}\s*=[^;]*\.to_(?:le|be|ne)_bytes\(\)\s*;",
        )
        if any(re.search(pattern, fn_text) for pattern in declared):
            return True
        item = rf"\b(?:const|static)\s+(?:mut\s+)?{name}\s*:\s*{_ARRAY_TYPE}"
        return re.search(item, file_text) is not None
    field = _FIELD.match(compact)
    if field is not None:
        pattern = rf"\b{re.escape(field.group(1))}\s*:\s*{_ARRAY_TYPE}"
        return re.search(pattern, file_text) is not None
    return False
