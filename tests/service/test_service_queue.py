import asyncio
import logging
import time
from collections import defaultdict

import pytest

from bot.service.events import EventContext, Router, make_context
from bot.service.queue import JobQueue, QueueUnavailable


def pr_job(
    delivery: str, pr: int, repo: str = "octo/repo", action: str = "synchronize"
) -> EventContext:
    payload = {
        "action": action,
        "number": pr,
        "pull_request": {"number": pr},
        "repository": {"full_name": repo},
    }
    return make_context(delivery, "pull_request", payload)


class Recorder:
    """A handler that records start/end per PR and how many jobs overlap."""

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.order: list[str] = []
        self.running: dict[object, int] = defaultdict(int)
        self.max_running_per_pr: dict[object, int] = defaultdict(int)
        self.max_running_total = 0
        self.total = 0

    async def __call__(self, ctx: EventContext) -> None:
        self.running[ctx.pr_key] += 1
        self.total += 1
        self.max_running_per_pr[ctx.pr_key] = max(
            self.max_running_per_pr[ctx.pr_key], self.running[ctx.pr_key]
        )
        self.max_running_total = max(self.max_running_total, self.total)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.running[ctx.pr_key] -= 1
            self.total -= 1
            self.order.append(ctx.delivery_id)


def router_with(handler: object, key: str = "pull_request") -> Router:
    router = Router()
    router.on(key, handler)  # type: ignore[arg-type]
    return router


async def test_jobs_for_the_same_pr_never_overlap_and_keep_their_order() -> None:
    rec = Recorder()
    queue = JobQueue(router_with(rec), workers=4)
    await queue.start()
    for i in range(5):
        await queue.submit(pr_job(f"d{i}", pr=1))
    assert await queue.drain(5)
    await queue.stop(1)
    assert rec.max_running_per_pr[("octo/repo", 1)] == 1
    assert rec.order == ["d0", "d1", "d2", "d3", "d4"]


async def test_same_number_in_another_repo_is_another_pr() -> None:
    rec = Recorder(delay=0.05)
    queue = JobQueue(router_with(rec), workers=2)
    await queue.start()
    await queue.submit(pr_job("a", pr=1, repo="octo/one"))
    await queue.submit(pr_job("b", pr=1, repo="octo/two"))
    assert await queue.drain(5)
    await queue.stop(1)
    assert rec.max_running_total == 2


async def test_different_prs_run_in_parallel() -> None:
    both_started = asyncio.Event()
    started: set[int | None] = set()

    async def handler(ctx: EventContext) -> None:
        started.add(ctx.pr_number)
        if len(started) == 2:
            both_started.set()
        # Deadlocks (and times out) unless the other PR's job runs at the same time.
        await asyncio.wait_for(both_started.wait(), 2)

    queue = JobQueue(router_with(handler), workers=2)
    await queue.start()
    await queue.submit(pr_job("a", pr=1))
    await queue.submit(pr_job("b", pr=2))
    assert await queue.drain(5)
    await queue.stop(1)
    assert queue.stats.handlers_failed == 0
    assert queue.stats.handlers_ok == 2


async def test_a_busy_pr_does_not_hold_back_other_prs() -> None:
    rec = Recorder(delay=0.1)
    queue = JobQueue(router_with(rec), workers=2)
    await queue.start()
    for i in range(3):
        await queue.submit(pr_job(f"slow{i}", pr=1))
    await queue.submit(pr_job("fast", pr=2))
    assert await queue.drain(5)
    await queue.stop(1)
    # With a per-PR lock both workers could block on PR 1; the chain lets PR 2 go second.
    assert rec.order.index("fast") < rec.order.index("slow1")


async def test_a_raising_handler_does_not_kill_the_worker(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    async def handler(ctx: EventContext) -> None:
        seen.append(ctx.delivery_id)
        if ctx.delivery_id == "bad":
            raise RuntimeError("boom")

    queue = JobQueue(router_with(handler), workers=1)
    await queue.start()
    with caplog.at_level(logging.ERROR):
        await queue.submit(pr_job("bad", pr=1))
        await queue.submit(pr_job("good", pr=2))
        await queue.submit(pr_job("after", pr=1))
        assert await queue.drain(5)
    await queue.stop(1)
    assert seen == ["bad", "good", "after"]
    assert queue.stats.handlers_failed == 1
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert failures[0].delivery_id == "bad"  # type: ignore[attr-defined]
    assert failures[0].exc_info is not None
    assert "boom" in str(failures[0].exc_info[1])


async def test_a_handler_over_the_job_timeout_is_abandoned_and_the_next_job_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    async def handler(ctx: EventContext) -> None:
        if ctx.delivery_id == "hang":
            await asyncio.sleep(60)
        seen.append(ctx.delivery_id)

    queue = JobQueue(router_with(handler), workers=1, job_timeout=0.05)
    await queue.start()
    with caplog.at_level(logging.ERROR):
        await queue.submit(pr_job("hang", pr=1))
        await queue.submit(pr_job("next", pr=1))
        assert await queue.drain(5)
    await queue.stop(1)
    assert seen == ["next"]
    assert any("timed out" in r.getMessage() for r in caplog.records)


async def test_every_matching_handler_runs_even_if_one_fails() -> None:
    seen: list[str] = []

    async def first(_ctx: EventContext) -> None:
        raise ValueError("first fails")

    async def second(ctx: EventContext) -> None:
        seen.append(ctx.key)

    router = Router()
    router.on("pull_request", first)
    router.on("pull_request.synchronize", second)
    queue = JobQueue(router, workers=1)
    await queue.start()
    await queue.submit(pr_job("d", pr=1))
    assert await queue.drain(5)
    await queue.stop(1)
    assert seen == ["pull_request.synchronize"]


async def test_graceful_stop_finishes_in_flight_and_queued_jobs() -> None:
    rec = Recorder(delay=0.1)
    queue = JobQueue(router_with(rec), workers=1)
    await queue.start()
    await queue.submit(pr_job("running", pr=1))
    await queue.submit(pr_job("queued", pr=2))
    await asyncio.sleep(0.02)  # "running" is now in its handler
    await queue.stop(timeout=5)
    assert rec.order == ["running", "queued"]
    assert queue.stats.pending == 0


async def test_stop_cancels_jobs_still_running_after_the_timeout() -> None:
    cancelled = asyncio.Event()

    async def stuck(_ctx: EventContext) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    queue = JobQueue(router_with(stuck), workers=1)
    await queue.start()
    await queue.submit(pr_job("stuck", pr=1))
    await asyncio.sleep(0.01)
    began = time.monotonic()
    await queue.stop(timeout=0.1)
    assert time.monotonic() - began < 2
    assert cancelled.is_set()


async def test_submit_is_refused_before_start_and_after_stop() -> None:
    queue = JobQueue(router_with(Recorder()), workers=1)
    with pytest.raises(QueueUnavailable):
        await queue.submit(pr_job("early", pr=1))
    await queue.start()
    await queue.stop(1)
    with pytest.raises(QueueUnavailable):
        await queue.submit(pr_job("late", pr=1))


async def test_submit_is_refused_when_the_queue_is_full() -> None:
    release = asyncio.Event()

    async def blocked(_ctx: EventContext) -> None:
        await release.wait()

    queue = JobQueue(router_with(blocked), workers=1, max_pending=2)
    await queue.start()
    await queue.submit(pr_job("a", pr=1))
    await queue.submit(pr_job("b", pr=2))
    with pytest.raises(QueueUnavailable, match="full"):
        await queue.submit(pr_job("c", pr=3))
    release.set()
    assert await queue.drain(5)
    await queue.stop(1)
    assert queue.stats.accepted == 2


async def test_drain_reports_a_timeout() -> None:
    release = asyncio.Event()

    async def blocked(_ctx: EventContext) -> None:
        await release.wait()

    queue = JobQueue(router_with(blocked), workers=1)
    await queue.start()
    await queue.submit(pr_job("a", pr=1))
    assert not await queue.drain(0.05)
    release.set()
    assert await queue.drain(5)
    await queue.stop(1)


async def test_unordered_events_run_without_a_pr_key() -> None:
    seen: list[str] = []

    async def handler(ctx: EventContext) -> None:
        seen.append(ctx.delivery_id)

    queue = JobQueue(router_with(handler, "installation"), workers=2)
    await queue.start()
    await queue.submit(make_context("i1", "installation", {"action": "created"}))
    assert await queue.drain(5)
    await queue.stop(1)
    assert seen == ["i1"]
