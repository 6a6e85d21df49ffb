"""Cut a unified diff into one section per file, without trusting its hunk counts blindly.

A section is the header lines of one file (``diff --git``, ``index``, ``---``/``+++``,
``Binary files``...) plus its hunks. We cut before handing anything to unidiff so that
one broken hunk costs only its own file: unidiff stops at the first error it meets.

Hunk bodies are consumed by the counts in their ``@@`` header, so a removed line that
reads ``-- foo`` is never mistaken for a ``--- foo`` file header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# `-- ` alone is the e-mail signature separator `git format-patch` appends after the diff.
_SIGNATURE = "-- "


@dataclass(frozen=True)
class RawHunk:
    """One hunk: its `@@` line and the body lines its counts claim (1-based `line_no`)."""

    line_no: int
    lines: tuple[str, ...]
    # False when a line that cannot be a hunk body line came before the counts ran out.
    complete: bool


@dataclass(frozen=True)
class RawSection:
    """The lines of one file entry; `header` holds everything before the first hunk."""

    line_no: int
    header: tuple[str, ...]
    hunks: tuple[RawHunk, ...]
    # Diff line numbers of `+`/`-`/` ` lines found outside every hunk: counts too small.
    stray: tuple[int, ...]


@dataclass
class _Open:
    line_no: int
    from_diff_line: bool
    header: list[str] = field(default_factory=list)
    hunks: list[RawHunk] = field(default_factory=list)
    stray: list[int] = field(default_factory=list)
    has_names: bool = False
    has_binary: bool = False

    def close(self) -> RawSection:
        return RawSection(self.line_no, tuple(self.header), tuple(self.hunks), tuple(self.stray))


def split_lines(text: str) -> list[str]:
    """Split on `\\n` only (not `str.splitlines`, which also splits on `\\x0c`, `\\u2028`...).

    A `\\r` before the newline is dropped: CRLF diffs keep their line counts and no
    `\\r` leaks into paths or hunk text.
    """
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def hunk_counts(line: str) -> tuple[int, int] | None:
    m = _HUNK_HEADER.match(line)
    if m is None:
        return None
    old = 1 if m.group(2) is None else int(m.group(2))
    new = 1 if m.group(4) is None else int(m.group(4))
    return old, new


def _read_hunk(lines: Sequence[str], start: int) -> tuple[RawHunk, int]:
    """Consume the hunk whose header is `lines[start]`; return it and the next index."""
    counts = hunk_counts(lines[start])
    assert counts is not None  # caller checked the header
    old_left, new_left = counts
    body = [lines[start]]
    i = start + 1
    while i < len(lines):
        line = lines[i]
        kind = line[:1]
        if kind == "\\":
            body.append(line)
        elif old_left == 0 and new_left == 0:
            break
        elif kind in (" ", "") and old_left > 0 and new_left > 0:
            old_left -= 1
            new_left -= 1
            body.append(line)
        elif kind == "+" and new_left > 0:
            new_left -= 1
            body.append(line)
        elif kind == "-" and old_left > 0:
            old_left -= 1
            body.append(line)
        else:
            break
        i += 1
    return RawHunk(start + 1, tuple(body), old_left == 0 and new_left == 0), i


def _starts_names(lines: Sequence[str], i: int) -> bool:
    return lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")


def split_sections(lines: Sequence[str], *, bare: bool = False) -> tuple[RawSection, ...]:
    """Cut `lines` (from `split_lines`) into file sections.

    Text before the first file header (a commit message, an e-mail header) is dropped.
    With `bare=True` the input is one file's hunks with no headers (GitHub's `patch`).
    """
    sections: list[RawSection] = []
    cur: _Open | None = _Open(1, from_diff_line=False) if bare else None

    def start(line_no: int, *, from_diff_line: bool) -> _Open:
        if cur is not None:
            sections.append(cur.close())
        return _Open(line_no, from_diff_line)

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff ") and not bare:
            cur = start(i + 1, from_diff_line=True)
            cur.header.append(line)
        elif _starts_names(lines, i) and not bare:
            # The `---`/`+++` pair belongs to a `diff` line right above it, else starts a file.
            joins = (
                cur is not None
                and cur.from_diff_line
                and not (cur.has_names or cur.hunks or cur.has_binary)
            )
            if not joins or cur is None:
                cur = start(i + 1, from_diff_line=False)
            cur.header.extend(lines[i : i + 2])
            cur.has_names = True
            i += 2
            continue
        elif line.startswith("Binary files ") and not bare:
            # `diff -r` prints binary pairs with no `diff` line of their own.
            if cur is None or cur.has_names or cur.hunks or cur.has_binary:
                cur = start(i + 1, from_diff_line=False)
            cur.header.append(line)
            cur.has_binary = True
        elif line.startswith("Only in ") and not bare:
            # `diff -r` without `-N` names one-sided files but gives no content.
            cur = start(i + 1, from_diff_line=False)
            cur.header.append(line)
        elif cur is not None and hunk_counts(line) is not None:
            hunk, i = _read_hunk(lines, i)
            cur.hunks.append(hunk)
            continue
        elif cur is not None and cur.hunks:
            if line[:1] in ("+", "-", " ") and line != _SIGNATURE:
                cur.stray.append(i + 1)
            # Anything else after the hunks is trailing text (blank lines, a signature).
        elif cur is not None:
            cur.header.append(line)
        i += 1
    if cur is not None:
        sections.append(cur.close())
    return tuple(sections)
