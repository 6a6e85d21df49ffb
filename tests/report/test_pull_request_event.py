"""Which findings become inline comments and which only annotations."""

from __future__ import annotations

from bot.core.model import FileChange, FileStatus, Finding, Severity
from bot.rulefiles import load_rules
from bot.service.handlers.pull_request import PullRequestEvent

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
