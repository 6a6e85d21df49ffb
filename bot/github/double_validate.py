"""The GitHub double's checks on review comments and check runs.

Each function returns the list of problems GitHub would report (empty = valid).
Review messages are the ones GitHub is observed to send; GitHub rejects a whole
review when any comment fails and does not say which one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.github.double_diff import find_hunk
from bot.github.double_state import AnnotationState, PullRequestState

MAX_COMMENT_BODY = 65_536
MAX_OUTPUT_TEXT = 65_535
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_TEXT = 65_536
MAX_ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_LEVELS = ("notice", "warning", "failure")
CHECK_STATUSES = ("queued", "in_progress", "completed")
CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "timed_out",
)
SIDES = ("LEFT", "RIGHT")


def review_comment_problems(pr: PullRequestState, comment: Mapping[str, Any]) -> list[str]:
    """What GitHub would object to in one draft review comment."""
    path, body = comment.get("path"), comment.get("body")
    if not isinstance(path, str) or not isinstance(body, str):
        return ["Review comments need a string `path` and `body`"]
    if len(body) > MAX_COMMENT_BODY:
        return [f"Body is too long (maximum is {MAX_COMMENT_BODY} characters)"]
    if "position" in comment:
        # Deliberate simplification: `position` is closing down at GitHub and the
        # bot never sends it, so the double refuses it instead of mapping it.
        return ["Pull request review thread position is not supported by this double"]
    file = pr.file(path)
    if file is None:
        return ["Path could not be resolved"]
    line, side = comment.get("line"), comment.get("side", "RIGHT")
    if not isinstance(line, int) or side not in SIDES:
        return ["Line could not be resolved"]
    hunks = file.hunks()
    if not hunks:
        return ["Pull request review thread diff hunk can't be blank"]
    hunk = find_hunk(hunks, line, side)
    if hunk is None:
        return ["Pull request review thread line must be part of the diff"]
    start_line = comment.get("start_line")
    if start_line is None:
        return []
    start_side = comment.get("start_side", side)
    if not isinstance(start_line, int) or start_side not in SIDES:
        return ["Start line could not be resolved"]
    if start_line >= line:
        return ["Pull request review thread start line must precede the end line"]
    if find_hunk(hunks, start_line, start_side) is not hunk:
        return ["Pull request review thread start line must be part of the same hunk as the line"]
    return []


def check_run_problems(body: Mapping[str, Any], *, creating: bool) -> list[str]:
    """What GitHub would object to in a check-run create/update body."""
    problems: list[str] = []
    if creating:
        for key in ("name", "head_sha"):
            if not isinstance(body.get(key), str) or not body.get(key):
                problems.append(f"`{key}` is required")
    status, conclusion = body.get("status"), body.get("conclusion")
    if status is not None and status not in CHECK_STATUSES:
        problems.append(f"`status` must be one of {', '.join(CHECK_STATUSES)}")
    if conclusion is not None and conclusion not in CONCLUSIONS:
        problems.append(f"`conclusion` must be one of {', '.join(CONCLUSIONS)}")
    if (status == "completed" or "completed_at" in body) and conclusion is None:
        problems.append("`conclusion` is required when the run is completed")
    output = body.get("output")
    if output is not None:
        problems.extend(_output_problems(output))
    return problems


def _output_problems(output: Any) -> list[str]:
    if not isinstance(output, Mapping):
        return ["`output` must be an object"]
    problems: list[str] = []
    for key in ("title", "summary"):
        if not isinstance(output.get(key), str):
            problems.append(f"`output.{key}` is required")
    for key in ("summary", "text"):
        value = output.get(key)
        if isinstance(value, str) and len(value) > MAX_OUTPUT_TEXT:
            problems.append(f"`output.{key}` is too long (maximum is {MAX_OUTPUT_TEXT})")
    annotations = output.get("annotations", [])
    if not isinstance(annotations, Sequence) or isinstance(annotations, str):
        return [*problems, "`output.annotations` must be an array"]
    if len(annotations) > MAX_ANNOTATIONS_PER_REQUEST:
        problems.append(
            f"Only {MAX_ANNOTATIONS_PER_REQUEST} annotations may be sent per request "
            f"(got {len(annotations)})"
        )
    for index, item in enumerate(annotations):
        problems.extend(f"annotations[{index}]: {p}" for p in _annotation_problems(item))
    return problems


def _annotation_problems(item: Any) -> list[str]:
    if not isinstance(item, Mapping):
        return ["must be an object"]
    problems: list[str] = []
    if not isinstance(item.get("path"), str):
        problems.append("`path` is required")
    start, end = item.get("start_line"), item.get("end_line")
    if not isinstance(start, int) or not isinstance(end, int) or start < 1 or end < start:
        problems.append("`start_line`/`end_line` must be positive with start <= end")
    if item.get("annotation_level") not in ANNOTATION_LEVELS:
        problems.append(f"`annotation_level` must be one of {', '.join(ANNOTATION_LEVELS)}")
    message = item.get("message")
    if not isinstance(message, str) or len(message) > MAX_ANNOTATION_TEXT:
        problems.append("`message` is required and at most 64 KB")
    title = item.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > MAX_ANNOTATION_TITLE):
        problems.append(f"`title` is at most {MAX_ANNOTATION_TITLE} characters")
    raw = item.get("raw_details")
    if raw is not None and (not isinstance(raw, str) or len(raw) > MAX_ANNOTATION_TEXT):
        problems.append("`raw_details` is at most 64 KB")
    has_columns = "start_column" in item or "end_column" in item
    if has_columns and start != end:
        problems.append("`start_column`/`end_column` are only allowed when start_line == end_line")
    return problems


def to_annotation(item: Mapping[str, Any]) -> AnnotationState:
    """A validated annotation body as a record."""
    return AnnotationState(
        path=item["path"],
        start_line=item["start_line"],
        end_line=item["end_line"],
        annotation_level=item["annotation_level"],
        message=item["message"],
        title=item.get("title"),
        raw_details=item.get("raw_details"),
        start_column=item.get("start_column"),
        end_column=item.get("end_column"),
    )
