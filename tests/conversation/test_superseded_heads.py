"""Only the newest head of a PR is reviewed: stale events stop, late results are dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.stack import LoopbackStack

OWNER, REPO = "acme", "widgets"
BASE = {"src/lib.rs": b"pub fn keep() {}\n"}
FIRST = {"src/lib.rs": b"pub fn keep() {}\npub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"}
SECOND = {
    "src/lib.rs": b"pub fn keep() {}\npub fn a(x: Option<u32>) -> u32 {\n    x.unwrap_or(0)\n}\n"
}


async def test_an_event_for_a_head_the_pr_has_left_posts_nothing() -> None:
    async with LoopbackStack() as stack:
        conv = stack.double.conversation
        old = conv.open_pull_request(OWNER, REPO, base=BASE, head=FIRST)
        new = conv.push(OWNER, REPO, old.number, SECOND)
        # GitHub delivered `opened` late, after the PR already moved to the next head.
        assert (await stack.open_pull_request(old)).status == 202
        assert await stack.settle()
        assert not [r for r in stack.double.check_runs if r.head_sha == old.head_sha]
        assert not stack.double.reviews
        assert (await stack.open_pull_request(new, "synchronize")).status == 202
        assert await stack.settle()
        runs = [r for r in stack.double.check_runs if r.head_sha == new.head_sha]
        assert [r.conclusion for r in runs] == ["success"]


async def test_a_result_is_dropped_when_a_newer_push_waits_in_the_queue(tmp_path: Path) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'heads.db'}") as stack:
        conv = stack.double.conversation
        old = conv.open_pull_request(OWNER, REPO, base=BASE, head=FIRST)
        # The first review stalls on the PR's files while the author pushes again.
        stack.double.inject("GET", r"/pulls/\d+/files$", 0, delay=1.0)
        assert (await stack.open_pull_request(old)).status == 202
        await asyncio.sleep(0.3)
        new = conv.push(OWNER, REPO, old.number, SECOND)
        assert (await stack.open_pull_request(new, "synchronize")).status == 202
        assert await stack.settle()
        by_head = {r.head_sha: r for r in stack.double.check_runs}
        assert by_head[old.head_sha].conclusion == "cancelled"
        assert new.head_sha[:7] in (by_head[old.head_sha].summary or "")
        assert by_head[new.head_sha].conclusion == "success"
        assert not stack.double.reviews, "the old head's finding was never posted"
