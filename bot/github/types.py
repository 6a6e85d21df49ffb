"""Data the GitHub layer takes and returns. No PyGithub types cross this boundary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RepoRef:
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class PRFile:
    """One entry of GET /repos/{o}/{r}/pulls/{n}/files."""

    filename: str
    status: str  # added | removed | modified | renamed | copied | changed | unchanged
    sha: str | None  # head blob sha; None for removed files
    patch: str | None  # missing for binary or very large diffs
    previous_filename: str | None = None
    additions: int = 0
    deletions: int = 0


@dataclass(frozen=True)
class ReviewCommentDraft:
    path: str
    line: int
    body: str
    side: str = "RIGHT"
    start_line: int | None = None  # only for multi-line comments, never equal to line


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    annotation_level: str  # notice | warning | failure
    message: str
    title: str = ""
    start_column: int | None = None  # only when start_line == end_line
    end_column: int | None = None


@dataclass(frozen=True)
class CheckRunOutput:
    title: str
    summary: str
    text: str = ""
    annotations: tuple[Annotation, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PostedReview:
    id: int
    comment_ids: tuple[int, ...] = ()  # known only when a port lists them (doubles in tests)
