"""Turn the hunks of one file section into head-side line numbers and text, via unidiff.

This is the only module that imports unidiff; its exceptions end here as InputError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.core.diff_sections import RawHunk
from bot.errors import InputError

# unidiff needs file headers before hunks; these placeholders never leave this module.
_PLACEHOLDER_HEADER = ("--- a/x\n", "+++ b/x\n")


@dataclass(frozen=True)
class HunkLines:
    added: frozenset[int]
    commentable: frozenset[int]
    texts: tuple[tuple[int, str], ...]


def _check_shape(raw: RawHunk) -> None:
    if not raw.complete:
        raise InputError(f"hunk at diff line {raw.line_no} is shorter than its `@@` header says")


def parse_hunks(hunks: Sequence[RawHunk]) -> HunkLines:
    """Number the head-side lines of `hunks`; raise InputError naming the first bad hunk."""
    for raw in hunks:
        _check_shape(raw)
    body = [*_PLACEHOLDER_HEADER, *(line + "\n" for raw in hunks for line in raw.lines)]
    try:
        patch = PatchSet(body)
    except UnidiffParseError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = hunks[0].line_no if hunks else 0
        raise InputError(f"malformed hunk after diff line {where}: {reason.lower()}") from exc
    added: set[int] = set()
    commentable: set[int] = set()
    texts: list[tuple[int, str]] = []
    parsed = [hunk for patched in patch for hunk in patched]
    if len(parsed) != len(hunks):
        where = hunks[0].line_no if hunks else 0
        raise InputError(f"malformed hunks after diff line {where}: hunk count does not add up")
    for raw, hunk in zip(hunks, parsed, strict=True):
        if hunk.target_length > 0 and hunk.target_start == 0:
            raise InputError(f"hunk at diff line {raw.line_no} starts at head line 0")
        lines: list[str] = []
        for line in hunk.target_lines():
            number = line.target_line_no
            if number is None:
                continue
            commentable.add(number)
            if line.is_added:
                added.add(number)
            lines.append(line.value.removesuffix("\n"))
        if lines:
            texts.append((hunk.target_start, "\n".join(lines)))
    return HunkLines(frozenset(added), frozenset(commentable), tuple(texts))
