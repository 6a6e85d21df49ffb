"""A file's change computed here, from its base and head contents, for when GitHub
sends no patch (a diff too large to show). Its lines cannot carry inline comments,
since GitHub shows no diff for them: findings there become annotations."""

from __future__ import annotations

import difflib

from bot.core.model import FileChange, FileStatus

MAX_LOCAL_DIFF_LINES = 200_000  # beyond this the whole head counts as changed


def change_from_contents(
    path: str, base: bytes | None, head: bytes, *, old_path: str | None = None
) -> FileChange:
    """Head-side line numbers of every added or replaced line of `head` against `base`."""
    new = head.decode("utf-8", "replace").splitlines()
    if base is None:
        added = frozenset(range(1, len(new) + 1))
        return FileChange(path, None, FileStatus.ADDED, added, frozenset())
    old = base.decode("utf-8", "replace").splitlines()
    if len(old) + len(new) > MAX_LOCAL_DIFF_LINES:
        added = frozenset(range(1, len(new) + 1))
    else:
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        added = frozenset(
            line + 1
            for tag, _, _, j1, j2 in matcher.get_opcodes()
            if tag in ("insert", "replace")
            for line in range(j1, j2)
        )
    status = FileStatus.RENAMED if old_path not in (None, path) else FileStatus.MODIFIED
    return FileChange(path, old_path or path, status, added, frozenset())
