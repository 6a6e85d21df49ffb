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
_LOOK_BACK = 300
# The name just before the `:` (not the tail of a longer word), and a `const`/`static`
# (with `mut`) just before that name.
_NAME_BEFORE = re.compile(r"(?<!\w)([A-Za-z_][A-Za-z0-9_]*)\s*$")
_ITEM_BEFORE = re.compile(r"(?<!\w)(?:const|static)\s+(?:mut\s+)?$")


def evidently_array(receiver: str, fn_text: str, file_text: str) -> bool:
    compact = "".join(receiver.split())
    # A byte string literal is a `&[u8; N]`.
    if compact.startswith(("[", 'b"', 'br"', "br#")) or _BYTES_CALL.match(compact):
        return True
    if _IDENT.match(compact):
        if compact in fn_text and any(p.search(fn_text) for p in _declarations(compact)):
            return True
        return compact in file_text and compact in _typed_arrays(file_text).items
    field = _FIELD.match(compact)
    if field is not None:
        name = field.group(1)
        return name in file_text and name in _typed_arrays(file_text).names
    return False


@dataclass(frozen=True)
class _TypedArrays:
    """Names declared `name: [T; N]` anywhere in a file, and those of them that are
    `const`/`static` items."""

    names: frozenset[str]
    items: frozenset[str]


@lru_cache(maxsize=4)
def _typed_arrays(file_text: str) -> _TypedArrays:
    """One pass over the file (from each `: [..; N]`, look back for the name), not a
    search of the whole file per indexed name: a file indexes hundreds of names."""
    names: set[str] = set()
    items: set[str] = set()
    for typed in _TYPED_ARRAY.finditer(file_text):
        before = file_text[max(0, typed.start() - _LOOK_BACK) : typed.start()]
        name = _NAME_BEFORE.search(before)
        if name is None or (name.start(1) == 0 and typed.start() > _LOOK_BACK):
            continue  # no name, or one too long to be sure where it starts
        names.add(name.group(1))
        if _ITEM_BEFORE.search(before[: name.start(1)]):
            items.add(name.group(1))
    return _TypedArrays(frozenset(names), frozenset(items))


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
