"""In-memory model of the GitHub double: frozen records plus one mutable store."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unidiff.patch import PatchSet

from bot.github.double_diff import Hunk, blob_sha, compute_patch, parse_hunks

MAX_PR_FILES = 3000  # GitHub's documented cap on GET /pulls/{n}/files


@dataclass(frozen=True)
class FileState:
    filename: str
    status: str  # added | removed | modified | renamed
    sha: str | None  # head blob sha; the base blob sha for removed files, as GitHub does
    patch: str | None
    additions: int
    deletions: int
    previous_filename: str | None = None

    def hunks(self) -> list[Hunk]:
        return parse_hunks(self.patch) if self.patch else []


@dataclass(frozen=True)
class PullRequestState:
    owner: str
    repo: str
    number: int
    id: int
    title: str
    author: str
    base_ref: str
    head_ref: str
    base_sha: str
    head_sha: str
    files: tuple[FileState, ...]
    created_at: str

    def file(self, path: str) -> FileState | None:
        return next((f for f in self.files if f.filename == path), None)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    route: str  # the OpenAPI path template, e.g. /repos/{owner}/{repo}/check-runs
    query: Mapping[str, str]
    status: int
    body: Any  # parsed JSON request body, or None
    response: Any  # parsed JSON response body, or None for non-JSON responses


@dataclass(frozen=True)
class ReviewState:
    id: int
    owner: str
    repo: str
    number: int
    user: str
    body: str
    state: str  # COMMENTED | APPROVED | CHANGES_REQUESTED | PENDING
    commit_id: str
    submitted_at: str


@dataclass(frozen=True)
class ReviewCommentState:
    id: int
    owner: str
    repo: str
    number: int
    review_id: int
    path: str
    line: int | None
    side: str
    start_line: int | None
    start_side: str | None
    body: str
    commit_id: str
    diff_hunk: str
    position: int  # legacy diff position, still present in GitHub's responses
    in_reply_to_id: int | None
    user: str
    created_at: str
    original_line: int | None = None  # set once a push made the comment outdated (line None)


@dataclass(frozen=True)
class AnnotationState:
    path: str
    start_line: int
    end_line: int
    annotation_level: str
    message: str
    title: str | None
    raw_details: str | None
    start_column: int | None
    end_column: int | None


@dataclass(frozen=True)
class CheckRunState:
    id: int
    owner: str
    repo: str
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    title: str | None
    summary: str | None
    text: str | None
    annotations: tuple[AnnotationState, ...]
    details_url: str | None
    external_id: str | None


@dataclass(frozen=True)
class IssueCommentState:
    id: int
    owner: str
    repo: str
    number: int
    body: str
    user: str
    created_at: str


@dataclass(frozen=True)
class ReactionState:
    id: int
    subject: str  # "pulls" (review comment) or "issues" (issue comment)
    comment_id: int
    content: str
    user: str
    created_at: str


@dataclass(frozen=True)
class TokenState:
    installation_id: int
    expires_at: float


@dataclass
class DoubleStore:
    """Everything the double knows. Only the double's handlers mutate it."""

    installations: dict[int, str] = field(default_factory=dict)  # id -> account login
    tokens: dict[str, TokenState] = field(default_factory=dict)
    pulls: dict[tuple[str, str, int], PullRequestState] = field(default_factory=dict)
    blobs: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    commits: set[tuple[str, str, str]] = field(default_factory=set)
    reviews: dict[int, ReviewState] = field(default_factory=dict)
    review_comments: dict[int, ReviewCommentState] = field(default_factory=dict)
    check_runs: dict[int, CheckRunState] = field(default_factory=dict)
    issue_comments: dict[int, IssueCommentState] = field(default_factory=dict)
    reactions: dict[int, ReactionState] = field(default_factory=dict)
    permissions: dict[tuple[str, str, str], str] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)  # rate-limit bucket -> remaining
    resets: dict[str, float] = field(default_factory=dict)  # bucket -> epoch it refills
    # (owner, repo, number, path, line) GitHub refuses comments on, though the patch has it
    hidden_lines: set[tuple[object, ...]] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    def repo_exists(self, owner: str, repo: str) -> bool:
        key = (owner.lower(), repo.lower())
        return any((o.lower(), r.lower()) == key for o, r, _ in self.pulls)

    def pull(self, owner: str, repo: str, number: int) -> PullRequestState | None:
        return self.pulls.get((owner, repo, number))


def fake_commit_sha(*parts: str) -> str:
    """A stable 40-hex commit id derived from what the commit stands for."""
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


def build_files(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> tuple[FileState, ...]:
    """Per-file status and patch, sorted by path like GitHub. Renames are not detected."""
    files: list[FileState] = []
    for path in sorted(set(base) | set(head)):
        old, new = base.get(path), head.get(path)
        if old == new:
            continue
        if old is None:
            status = "added"
        elif new is None:
            status = "removed"
        else:
            status = "modified"
        patch = compute_patch(old, new)
        sha_of = new if new is not None else old
        assert sha_of is not None  # one side exists: path came from the union
        files.append(
            FileState(
                filename=path,
                status=status,
                sha=blob_sha(sha_of),
                patch=patch.text,
                additions=patch.additions,
                deletions=patch.deletions,
            )
        )
    return tuple(files)


def files_from_diff(diff: str, head_root: Path) -> tuple[tuple[FileState, ...], list[bytes]]:
    """PR files from a unified diff (its own hunks) and the head blobs from `head_root`.

    Base blobs are unknown, so removed files carry no sha.
    """
    files: list[FileState] = []
    blobs: list[bytes] = []
    for patched in PatchSet(diff):
        path = _strip_prefix(patched.path)
        sha: str | None = None
        if patched.is_removed_file:
            status = "removed"
        else:
            data = (head_root / path).read_bytes()
            blobs.append(data)
            sha = blob_sha(data)
            status = "added" if patched.is_added_file else "modified"
        previous = None
        if patched.is_rename:
            status, previous = "renamed", _strip_prefix(patched.source_file)
        patch_text = "".join(str(h) for h in patched).rstrip("\n")
        files.append(
            FileState(
                filename=path,
                status=status,
                sha=sha,
                patch=patch_text or None,
                additions=patched.added,
                deletions=patched.removed,
                previous_filename=previous,
            )
        )
    return tuple(files), blobs


def _strip_prefix(path: str) -> str:
    return path[2:] if path.startswith(("a/", "b/")) else path
