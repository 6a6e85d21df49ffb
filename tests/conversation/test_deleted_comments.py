"""pull_request_review_comment.deleted: logged, never re-posted, and no waiver undone."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.github.double_state import PullRequestState, ReviewCommentState
from bot.rulefiles import load_rules
from bot.service.events import Router, make_context
from bot.service.handlers.conversation_routes import add_conversation
from bot.service.handlers.review_cycle import ReviewCycle, markers_in
from bot.service.waiver_store import MemoryWaiverStore
from bot.stack import INSTALLATION_ID, LoopbackStack

OWNER, REPO = "acme", "widgets"
BASE = {"src/lib.rs": b"pub fn keep() {}\n"}
ONE = b"pub fn keep() {}\npub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"
MOVED = b"// moved down\n\n" + ONE
EXAMPLES_INDEX = (
    Path(__file__).resolve().parents[2]
    / "tests/fixtures/npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json"
)


class NoGitHub:
    """Any GitHub call fails the test: a deletion is only logged."""

    async def for_installation(self, installation_id: int) -> Any:
        raise AssertionError("a deleted comment must not call GitHub")

    async def bot_login(self) -> str:
        raise AssertionError("a deleted comment must not call GitHub")


def real_deleted_example() -> dict[str, Any]:
    index = json.loads(EXAMPLES_INDEX.read_text())
    (entry,) = [e for e in index if e["name"] == "pull_request_review_comment"]
    return next(x for x in entry["examples"] if x.get("action") == "deleted")


async def run_handlers(payload: dict[str, Any]) -> None:
    router = Router()
    add_conversation(router, ReviewCycle(NoGitHub(), load_rules(), MemoryWaiverStore()))  # type: ignore[arg-type]
    handlers = router.route("pull_request_review_comment", "deleted")
    assert handlers, "deleted is subscribed"
    for handler in handlers:
        await handler(make_context("d-1", "pull_request_review_comment", payload))


async def test_the_real_deleted_payload_is_handled_without_calling_github() -> None:
    await run_handlers(real_deleted_example())


@pytest.mark.parametrize(
    "comment",
    [
        None,
        "not an object",
        {"id": "x", "body": 12, "user": []},
        {"id": 5, "body": "/panicscan ignore " + "x" * 1_000_000, "user": {"type": "User"}},
        {"id": 6, "body": "<!-- panicscan:v1 fp=ab rule=r -->" * 10_000, "user": {"type": "Bot"}},
    ],
)
async def test_malformed_and_oversized_deleted_payloads_are_only_logged(comment: Any) -> None:
    payload = dict(real_deleted_example())
    payload["comment"] = comment
    await run_handlers(payload)


def bot_roots(stack: LoopbackStack) -> list[ReviewCommentState]:
    return [
        c
        for c in stack.double.review_comments
        if c.in_reply_to_id is None and c.user == "panicscan[bot]" and markers_in(c.body)
    ]


def head_check(stack: LoopbackStack, pr: PullRequestState) -> str | None:
    current = stack.double.pull_request(pr.owner, pr.repo, pr.number)
    assert current is not None
    runs = [r for r in stack.double.check_runs if r.head_sha == current.head_sha]
    return max(runs, key=lambda r: r.id).conclusion


async def delete(stack: LoopbackStack, comment: ReviewCommentState) -> None:
    """Delete on the double, then deliver GitHub's webhook for it."""
    payload = stack.double.conversation.review_comment_event(comment, "deleted", INSTALLATION_ID)
    del stack.double.conversation.ctx.store.review_comments[comment.id]
    assert (await stack.deliver("pull_request_review_comment", payload)).status == 202
    assert await stack.settle(30)


async def open_and_push(stack: LoopbackStack) -> PullRequestState:
    pr = stack.double.conversation.open_pull_request(
        OWNER, REPO, base=BASE, head={"src/lib.rs": ONE}
    )
    await stack.open_pull_request(pr)
    assert await stack.settle(30)
    return pr


async def push(stack: LoopbackStack, pr: PullRequestState) -> None:
    pushed = stack.double.conversation.push(OWNER, REPO, pr.number, {"src/lib.rs": MOVED})
    await stack.open_pull_request(pushed, "synchronize")
    assert await stack.settle(30)


async def test_a_deleted_bot_comment_is_not_reposted_and_the_finding_still_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'd.db'}") as stack:
        pr = await open_and_push(stack)
        (root,) = bot_roots(stack)
        with caplog.at_level(logging.INFO):
            await delete(stack, root)
        assert "not re-posted" in caplog.text
        assert bot_roots(stack) == []
        await push(stack, pr)
        assert bot_roots(stack) == [], "the store remembers the fingerprint"
        assert head_check(stack, pr) == "failure"


async def test_a_deleted_ignore_command_does_not_revoke_the_waiver(tmp_path: Path) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'w.db'}") as stack:
        stack.double.set_permission(OWNER, REPO, "alice", "write")
        pr = await open_and_push(stack)
        (root,) = bot_roots(stack)
        command = stack.double.conversation.human_reply(
            pr, root.id, "alice", "/panicscan ignore x is always set"
        )
        payload = stack.double.conversation.review_comment_event(
            command, "created", INSTALLATION_ID
        )
        await stack.deliver("pull_request_review_comment", payload)
        assert await stack.settle(30)
        assert head_check(stack, pr) == "success"
        comments = len(stack.double.review_comments)

        await delete(stack, command)
        assert len(stack.double.review_comments) == comments - 1, "nothing new was posted"
        await push(stack, pr)
        assert head_check(stack, pr) == "success"
