"""The diff model: which head-side lines of which files a change touches.

Two inputs, one output type (`FileChange`):

- `parse_unified_diff` reads a whole `git diff` / `diff -ruN` text. A file whose hunks
  are broken becomes a `Problem` and the other files still come through, so the
  result is a `DiffParse(files, problems)`. Only input that holds no file entry at
  all (random bytes, an HTML page) raises `InputError`.
- `parse_file_patch` reads one entry of GitHub's PR files API, whose `patch` holds
  only `@@` hunks. It is one file, so a broken patch raises `InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.diff_headers import (
    SectionHeader,
    is_epoch,
    parse_header,
    strip_component,
    strips_prefix,
)
from bot.core.diff_hunks import HunkLines, parse_hunks
from bot.core.diff_sections import RawSection, hunk_counts, split_lines, split_sections
from bot.core.model import FileChange, FileStatus, Problem
from bot.errors import InputError

_NO_LINES = HunkLines(frozenset(), frozenset(), ())

# GitHub's `status` of a PR file; a copy is a new file as far as review is concerned.
_GITHUB_STATUS = {
    "added": FileStatus.ADDED,
    "removed": FileStatus.DELETED,
    "modified": FileStatus.MODIFIED,
    "renamed": FileStatus.RENAMED,
    "copied": FileStatus.ADDED,
    "changed": FileStatus.MODIFIED,
    "unchanged": FileStatus.MODIFIED,
}


@dataclass(frozen=True)
class DiffParse:
    """The files a diff changes, plus one `Problem` per file entry that could not be read."""

    files: tuple[FileChange, ...]
    problems: tuple[Problem, ...]


def decode_diff(data: bytes | str) -> str:
    """Diffs are bytes in no declared encoding: bad UTF-8 becomes U+FFFD, never an error."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff")


def parse_unified_diff(data: bytes | str) -> DiffParse:
    """Read a whole unified diff. Empty input is an empty diff; non-diff input is InputError."""
    text = decode_diff(data)
    sections = split_sections(split_lines(text))
    if not sections:
        if text.strip():
            raise InputError(
                "input is not a unified diff: no `diff`, `---`/`+++` file header found"
            )
        return DiffParse((), ())
    headers = [parse_header(section.header) for section in sections]
    strip = strips_prefix(headers)
    files: list[FileChange] = []
    problems: list[Problem] = []
    for section, header in zip(sections, headers, strict=True):
        result = _read_section(section, header, strip=strip)
        if isinstance(result, FileChange):
            files.append(result)
        else:
            problems.append(result)
    return DiffParse(tuple(files), tuple(problems))


def parse_file_patch(
    path: str, patch: str | None, *, status: str, old_path: str | None = None
) -> FileChange:
    """Read one GitHub PR files entry. `patch=None` (binary or too large) gives no lines."""
    file_status = _GITHUB_STATUS.get(status)
    if file_status is None:
        raise InputError(f"unknown GitHub file status `{status}` for `{path}`")
    lines = _NO_LINES
    if patch is not None and patch.strip():
        lines = _read_bare_patch(path, patch)
    base_path = None if status == "added" else (old_path or path)
    return FileChange(
        path=path,
        old_path=old_path if status == "copied" else base_path,
        status=file_status,
        added_lines=lines.added,
        commentable_lines=lines.commentable,
        hunk_text=lines.texts,
    )


def _read_bare_patch(path: str, patch: str) -> HunkLines:
    (section,) = split_sections(split_lines(decode_diff(patch)), bare=True)
    if section.header:
        raise InputError(f"patch for `{path}` has text before its first `@@` hunk")
    if section.stray:
        raise InputError(f"patch for `{path}`: line {section.stray[0]} is outside every hunk")
    try:
        return parse_hunks(section.hunks)
    except InputError as exc:
        raise InputError(f"patch for `{path}`: {exc}") from exc


def _read_section(
    section: RawSection, header: SectionHeader, *, strip: bool
) -> FileChange | Problem:
    if header.only_in is not None:
        return Problem(
            header.only_in,
            "file exists on one side only and the diff has no content for it (use `diff -N`)",
        )
    old, new = _resolve_paths(section, header, strip=strip)
    path = new if new is not None else old
    if path is None:
        return Problem("", f"file entry at diff line {section.line_no} names no file")
    if section.stray:
        return Problem(path, f"diff line {section.stray[0]} is outside every hunk")
    try:
        lines = parse_hunks(section.hunks)
    except InputError as exc:
        return Problem(path, str(exc))
    return FileChange(
        path=path,
        old_path=old,
        status=_status(header, old, new),
        added_lines=lines.added,
        commentable_lines=lines.commentable,
        is_binary=header.binary,
        hunk_text=lines.texts,
    )


def _status(header: SectionHeader, old: str | None, new: str | None) -> FileStatus:
    if old is None or header.copied:
        return FileStatus.ADDED
    if new is None:
        return FileStatus.DELETED
    if header.rename_from is not None or (not header.git and old != new):
        return FileStatus.RENAMED
    return FileStatus.MODIFIED


def _resolve_paths(
    section: RawSection, header: SectionHeader, *, strip: bool
) -> tuple[str | None, str | None]:
    """Pick (old, new) from the most precise source: rename lines, `---`/`+++`, then the rest."""

    def clean(name: str | None) -> str | None:
        return strip_component(name) if name is not None and strip else name

    if header.has_names:
        old, new = clean(header.minus_name), clean(header.plus_name)
    elif header.binary_names is not None:
        old, new = clean(header.binary_names[0]), clean(header.binary_names[1])
    elif header.diff_names is not None:
        old, new = clean(header.diff_names[0]), clean(header.diff_names[1])
    else:
        old = new = None
    # Rename lines carry no prefix and no quoting ambiguity, so they win.
    if header.rename_from is not None:
        old = header.rename_from
    if header.rename_to is not None:
        new = header.rename_to
    if header.new_file or (not header.git and _epoch_side(section, header.minus_time, 0)):
        old = None
    if header.deleted_file or (not header.git and _epoch_side(section, header.plus_time, 1)):
        new = None
    return old, new


def _epoch_side(section: RawSection, time: str, side: int) -> bool:
    """`diff -N` marks a missing side by an epoch time and hunks that are empty on that side."""
    if not is_epoch(time) or not section.hunks:
        return False
    counts = [hunk_counts(hunk.lines[0]) for hunk in section.hunks]
    return all(c is not None and c[side] == 0 for c in counts)
