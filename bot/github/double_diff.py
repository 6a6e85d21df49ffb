"""Git-style patches and blob shas for the local GitHub double.

GitHub's `patch` field on PR files is a unified diff with 3 lines of context,
hunks only (no `---`/`+++` header) and no trailing newline. Binary files have no
`patch` at all, which we mirror for data containing a NUL byte (git's own test).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\ No newline at end of file"


@dataclass(frozen=True)
class Patch:
    text: str | None  # None for binary content
    additions: int
    deletions: int


@dataclass(frozen=True)
class Hunk:
    """The lines one hunk covers on each side, and its text (header first)."""

    left_lines: frozenset[int]
    right_lines: frozenset[int]
    lines: tuple[str, ...]
    # For each patch line after the header: (left line or None, right line or None).
    coordinates: tuple[tuple[int | None, int | None], ...]


def blob_sha(data: bytes) -> str:
    """The git object id of a blob holding `data`."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def compute_patch(base: bytes | None, head: bytes | None) -> Patch:
    """The GitHub-style patch from `base` to `head` (None means the file is absent)."""
    old = base or b""
    new = head or b""
    if b"\0" in old or b"\0" in new:
        return Patch(text=None, additions=0, deletions=0)
    old_lines = old.decode("utf-8", errors="replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    out: list[str] = []
    additions = deletions = 0
    diff = difflib.unified_diff(old_lines, new_lines, n=3, lineterm="")
    for line in diff:
        if line.startswith(("---", "+++")) and not out:
            continue  # file header; GitHub omits it
        if line.startswith("@@"):
            out.append(line.rstrip("\n"))
            continue
        if line.startswith("+"):
            additions += 1
        elif line.startswith("-"):
            deletions += 1
        if line.endswith("\n"):
            out.append(line[:-1])
        else:
            out.extend([line, _NO_NEWLINE])
    return Patch(text="\n".join(out), additions=additions, deletions=deletions)


def parse_hunks(patch: str) -> list[Hunk]:
    """Split a hunks-only patch into hunks with the line numbers each side covers."""
    hunks: list[Hunk] = []
    current: list[str] = []
    coords: list[tuple[int | None, int | None]] = []
    left = right = 0

    def flush() -> None:
        if current:
            hunks.append(
                Hunk(
                    left_lines=frozenset(c[0] for c in coords if c[0] is not None),
                    right_lines=frozenset(c[1] for c in coords if c[1] is not None),
                    lines=tuple(current),
                    coordinates=tuple(coords),
                )
            )

    for line in patch.split("\n"):
        header = _HUNK_HEADER.match(line)
        if header:
            flush()
            current, coords = [line], []
            left, right = int(header.group(1)), int(header.group(3))
            continue
        if not current:
            continue
        current.append(line)
        if line.startswith("+"):
            coords.append((None, right))
            right += 1
        elif line.startswith("-"):
            coords.append((left, None))
            left += 1
        elif line.startswith("\\"):
            coords.append((None, None))
        else:
            coords.append((left, right))
            left += 1
            right += 1
    flush()
    return hunks


def find_hunk(hunks: list[Hunk], line: int, side: str) -> Hunk | None:
    """The hunk that covers `line` on `side` (LEFT = base, RIGHT = head)."""
    for hunk in hunks:
        covered = hunk.left_lines if side == "LEFT" else hunk.right_lines
        if line in covered:
            return hunk
    return None


def diff_hunk_until(hunk: Hunk, line: int, side: str) -> str:
    """The hunk text up to and including `line`, as GitHub puts in `diff_hunk`."""
    index = 1 if side == "LEFT" else 2
    kept = [hunk.lines[0]]
    for text, coord in zip(hunk.lines[1:], hunk.coordinates, strict=True):
        kept.append(text)
        if coord[index - 1] == line:
            break
    return "\n".join(kept)


def position_of(patch: str, line: int, side: str) -> int | None:
    """GitHub's legacy `position`: lines below the file's first `@@` header."""
    index = 0 if side == "LEFT" else 1
    position = 0
    for hunk in parse_hunks(patch):
        if position:
            position += 1  # a later hunk's header line counts too
        for coord in hunk.coordinates:
            position += 1
            if coord[index] == line:
                return position
    return None
