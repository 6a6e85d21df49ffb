"""Which findings become inline comments and which only annotations."""

from __future__ import annotations

import dataclasses

from bot.core.model import FileChange, FileStatus, Finding, ScanResult, ScanStats, Severity
from bot.rulefiles import load_rules
from bot.service.handlers.pull_request import PullRequestEvent, plan_review

RULES = {r.id: r for r in load_rules()}
FINDING = Finding(
    rule="unwrap-used",
    severity=Severity.ERROR,
    path="src/lib.rs",
    line=10,
    column=5,
    end_line=10,
    end_column=14,
    message="`x` is unwrapped",
    fingerprint="ab" * 10,
)
CHANGE = FileChange(
    "src/lib.rs", "src/lib.rs", FileStatus.MODIFIED, frozenset({10}), frozenset(range(7, 14))
)


def _plan(*findings: Finding):  # type: ignore[no-untyped-def]
    result = ScanResult(tuple(findings), (), ScanStats(1, 1, 0.0, 0.0))
    return plan_review(result, {CHANGE.path: CHANGE}, RULES)


def test_a_finding_on_a_commentable_line_becomes_a_right_side_comment() -> None:
    plan = _plan(FINDING)
    [(finding, draft)] = plan.comments
    assert finding is FINDING
    assert (draft.path, draft.line, draft.side, draft.start_line) == (
        "src/lib.rs",
        10,
        "RIGHT",
        None,
    )
    assert plan.not_inline == ()


def test_lines_outside_the_hunks_unknown_files_and_unknown_rules_go_to_annotations() -> None:
    outside = dataclasses.replace(FINDING, line=40, end_line=40)
    elsewhere = dataclasses.replace(FINDING, path="src/other.rs")
    unknown = dataclasses.replace(FINDING, rule="no-such-rule")
    plan = _plan(outside, elsewhere, unknown)
    assert plan.comments == ()
    assert plan.not_inline == (outside, elsewhere, unknown)


def test_suppressed_findings_are_never_posted() -> None:
    plan = _plan(dataclasses.replace(FINDING, suppressed="test-code"))
    assert plan.comments == () and plan.not_inline == ()


def test_pull_request_payloads_of_the_wrong_shape_are_refused_not_raised() -> None:
    good = {
        "pull_request": {"number": 1, "state": "open", "head": {"sha": "a" * 40}},
        "repository": {"name": "r", "owner": {"login": "o"}},
        "installation": {"id": 5},
    }
    event = PullRequestEvent.from_payload(good)
    assert event is not None and (event.number, event.installation_id) == (1, 5)
    for broken in (
        {},
        {**good, "installation": None},
        {**good, "pull_request": {"number": "1", "head": {"sha": "a"}}},
        {**good, "repository": {"name": 3, "owner": {"login": "o"}}},
        {**good, "pull_request": {"number": 1, "head": None}},
    ):
        assert PullRequestEvent.from_payload(broken) is None
