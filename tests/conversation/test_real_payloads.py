"""Handlers fed the real `@octokit/webhooks-examples` payloads of every subscribed action."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.rulefiles import load_rules
from bot.service.events import Router, make_context
from bot.service.handlers.conversation_routes import add_conversation
from bot.service.handlers.review_cycle import ReviewCycle
from bot.service.waiver_store import MemoryWaiverStore


class NoGitHub:
    """Any GitHub call fails the test: these payloads carry no command for the bot."""

    calls = 0

    async def for_installation(self, installation_id: int) -> Any:
        NoGitHub.calls += 1
        raise AssertionError("the handler should not have called GitHub")


EXAMPLES_INDEX = (
    Path(__file__).resolve().parents[2]
    / "tests/fixtures/npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json"
)


def _examples() -> dict[str, list[dict[str, Any]]]:
    index = json.loads(EXAMPLES_INDEX.read_text())
    return {entry["name"]: entry["examples"] for entry in index}


def _example(event: str, action: str) -> dict[str, Any]:
    found = [e for e in _examples()[event] if e.get("action") == action]
    assert found, f"no real example of {event}.{action}"
    return found[0]


SUBSCRIBED = [
    ("pull_request_review_comment", "created"),
    ("pull_request_review_comment", "edited"),
    ("issue_comment", "created"),
    ("issue_comment", "edited"),
    ("check_run", "rerequested"),
    ("check_run", "requested_action"),
]


@pytest.mark.parametrize(("event", "action"), SUBSCRIBED)
async def test_real_payload_without_a_command_for_us_changes_nothing(
    event: str, action: str
) -> None:
    payload = _example(event, action)
    router = Router()
    add_conversation(router, ReviewCycle(NoGitHub(), load_rules(), MemoryWaiverStore()))  # type: ignore[arg-type]
    handlers = router.route(event, action)
    assert handlers, f"{event}.{action} is subscribed"
    ctx = make_context("d-1", event, payload)
    for handler in handlers:
        await handler(ctx)


async def test_real_check_suite_payloads_are_routed() -> None:
    router = Router()
    add_conversation(router, ReviewCycle(NoGitHub(), load_rules(), MemoryWaiverStore()))  # type: ignore[arg-type]
    for action in ("requested", "rerequested"):
        assert router.handles("check_suite", action)
    example = _example("check_suite", "requested")
    assert isinstance(example["check_suite"]["head_sha"], str)


async def test_real_review_comment_payload_with_a_forged_marker_never_reaches_github() -> None:
    payload = _example("pull_request_review_comment", "created")
    payload["comment"]["body"] = "<!-- panicscan:v1 fp=abcdef12 rule=unwrap-used -->"
    payload["comment"].pop("in_reply_to_id", None)  # a root comment by a human
    router = Router()
    add_conversation(router, ReviewCycle(NoGitHub(), load_rules(), MemoryWaiverStore()))  # type: ignore[arg-type]
    for handler in router.route("pull_request_review_comment", "created"):
        await handler(make_context("d-2", "pull_request_review_comment", payload))
