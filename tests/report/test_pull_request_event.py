"""The pull_request payload fields a review needs, read without trusting the shape."""

from __future__ import annotations

from bot.service.handlers.pull_request import PullRequestEvent


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
