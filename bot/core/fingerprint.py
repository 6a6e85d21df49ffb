"""Finding fingerprints that survive unrelated edits: never built from line numbers."""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"(\w?)\s+(?=(\w?))")

FINGERPRINT_HEX_CHARS = 20


def normalise_code(text: str) -> str:
    """Drop whitespace unless it separates two word characters (`let x`), so reformatting
    (rustfmt line breaks, spaces around dots) does not change the result."""
    if " " not in text and text.isprintable():
        return text  # no whitespace at all (the common case): nothing to drop
    return _SPACE.sub(_squeeze, text).strip()


def _squeeze(match: re.Match[str]) -> str:
    before, after = match.group(1), match.group(2)
    return before + (" " if before and after else "")


def fingerprint(rule_id: str, path: str, item_path: str, snippet: str, occurrence: int) -> str:
    """Hash of rule, path, enclosing item, normalised snippet and its index in that item."""
    parts = (rule_id, path, item_path, normalise_code(snippet), str(occurrence))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:FINGERPRINT_HEX_CHARS]
