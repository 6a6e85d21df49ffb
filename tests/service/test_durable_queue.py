"""The durable queue on both backends: run once, retry, dead-letter, order, shut down."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from service_harness import SECRET, make_settings
from test_store_support import database_url, pg_admin_url  # noqa: F401 - fixtures

from bot.service.app import build_app
from bot.service.durable_queue import DuplicateDelivery, DurableQueue, QueuePolicy
from bot.service.events import EventContext, Router, make_context
from bot.service.metrics import Metrics
from bot.service.signature import sign
from bot.service.store import Store, open_store

FAST = QueuePolicy(lease_seconds=5.0, max_attempts=3, backoff_seconds=0.01, poll_seconds=0.02)


def pr_event(delivery: str, pr: int, sha: str = "a" * 40) -> EventContext:
    payload = {
        "action": "synchronize",
        "repository": {"full_name": "acme/edge", "name": "edge", "owner": {"login": "acme"}},
        "pull_request": {"number": pr, "head": {"sha": sha}},
        "installation": {"id": 7},
        "delivery": delivery,  # every real body differs; an identical one is a replay
    }
    return make_context(delivery, "pull_request", payload)


@asynccontextmanager
async def queue_on(
    url: str, router: Router, *, workers: int = 4, policy: QueuePolicy = FAST, **kw: Any
) -> AsyncIterator[DurableQueue]:
    store = open_store(url)
    queue = DurableQueue(store, router, workers, policy=policy, **kw)
    await queue.start()
    try:
        yield queue
    finally:
        await queue.stop(5)
        store.close()


async def test_an_accepted_job_runs_once_and_a_redelivery_is_refused(database_url: str) -> None:  # noqa: F811
    seen: list[str] = []
    router = Router()

    async def handler(ctx: EventContext) -> None:
        seen.append(ctx.delivery_id)

    router.on("pull_request", handler)
    async with queue_on(database_url, router) as queue:
        await queue.submit(pr_event("d1", 1))
        assert await queue.drain(10)
        try:
            await queue.submit(pr_event("d1", 1))
        except DuplicateDelivery as exc:
            assert exc.status == "done"
        else:
            raise AssertionError("a processed delivery was accepted twice")
        assert await queue.drain(10)
    assert seen == ["d1"]


async def test_a_failing_job_is_retried_then_dead_lettered_and_reported(database_url: str) -> None:  # noqa: F811
    attempts: Counter[str] = Counter()
    reported: list[tuple[str, str]] = []
    router = Router()

    async def broken(ctx: EventContext) -> None:
        attempts[ctx.delivery_id] += 1
        raise RuntimeError("GitHub is down")

    async def dead_letter(ctx: EventContext, reason: str) -> None:
        reported.append((ctx.delivery_id, reason))

    router.on("pull_request", broken)
    metrics = Metrics()
    async with queue_on(database_url, router, metrics=metrics, dead_letter=dead_letter) as queue:
        await queue.submit(pr_event("d1", 1))
        assert await queue.drain(10)
        counts = queue.store.job_counts()
    assert attempts["d1"] == FAST.max_attempts
    assert counts["dead"] == 1
    assert reported and reported[0][0] == "d1" and "GitHub is down" in reported[0][1]
    text = metrics.render().decode()
    assert 'panicscan_job_outcomes_total{outcome="dead"} 1.0' in text
    assert 'panicscan_job_outcomes_total{outcome="retried"} 2.0' in text


async def test_a_job_that_fails_once_succeeds_on_retry(database_url: str) -> None:  # noqa: F811
    calls: list[int] = []
    router = Router()

    async def flaky(ctx: EventContext) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("connection reset")

    router.on("pull_request", flaky)
    async with queue_on(database_url, router) as queue:
        await queue.submit(pr_event("d1", 1))
        assert await queue.drain(10)
        assert queue.store.job_counts()["done"] == 1
    assert len(calls) == 2


async def test_two_queues_on_one_database_never_run_one_pr_twice_at_once(
    database_url: str,  # noqa: F811
) -> None:
    running: Counter[int] = Counter()
    overlap: list[int] = []
    done: list[str] = []
    router = Router()

    async def slow(ctx: EventContext) -> None:
        assert ctx.pr_number is not None
        running[ctx.pr_number] += 1
        if running[ctx.pr_number] > 1:
            overlap.append(ctx.pr_number)
        await asyncio.sleep(0.01)
        running[ctx.pr_number] -= 1
        done.append(ctx.delivery_id)

    router.on("pull_request", slow)
    async with queue_on(database_url, router) as a, queue_on(database_url, router) as b:
        for i in range(40):
            # Same head sha: nothing is superseded, so every job must run, in order.
            await (a if i % 2 else b).submit(pr_event(f"d{i}", pr=i % 5))
        assert await a.drain(20)
    assert overlap == []
    assert sorted(done) == sorted(f"d{i}" for i in range(40))
    for pr in range(5):
        mine = [int(d[1:]) for d in done if int(d[1:]) % 5 == pr]
        assert mine == sorted(mine)  # per-PR order kept


async def test_a_burst_of_pushes_is_coalesced_into_the_newest_head(database_url: str) -> None:  # noqa: F811
    reviewed: list[str] = []
    gate = asyncio.Event()
    router = Router()

    async def review(ctx: EventContext) -> None:
        await gate.wait()
        reviewed.append(ctx.delivery_id)

    router.on("pull_request", review)
    async with queue_on(database_url, router, workers=1) as queue:
        await queue.submit(pr_event("push0", 1, sha="0" * 40))
        await asyncio.sleep(0.1)  # push0 is running
        for n in range(1, 6):
            await queue.submit(pr_event(f"push{n}", 1, sha=str(n) * 40))
        gate.set()
        assert await queue.drain(10)
        assert queue.store.job_counts()["superseded"] == 4
    assert reviewed == ["push0", "push5"]


async def test_shutdown_releases_a_running_job_to_the_next_process(database_url: str) -> None:  # noqa: F811
    started = asyncio.Event()
    finished: list[str] = []
    router = Router()

    async def forever(ctx: EventContext) -> None:
        started.set()
        await asyncio.sleep(3600)

    router.on("pull_request", forever)
    store = open_store(database_url)
    first = DurableQueue(store, router, 1, policy=FAST)
    await first.start()
    await first.submit(pr_event("d1", 1))
    await asyncio.wait_for(started.wait(), 10)
    await first.stop(0.1)  # deadline passes: the job is released, not lost
    store.close()
    assert open_store(database_url).job_counts()["queued"] == 1

    second_router = Router()

    async def quick(ctx: EventContext) -> None:
        finished.append(ctx.delivery_id)

    second_router.on("pull_request", quick)
    async with queue_on(database_url, second_router) as second:
        assert await second.drain(10)
    assert finished == ["d1"]


async def test_a_stopped_queue_refuses_jobs(database_url: str) -> None:  # noqa: F811
    from bot.service.queue import QueueUnavailable

    async with queue_on(database_url, Router()) as queue:
        pass
    try:
        await queue.submit(pr_event("late", 1))
    except QueueUnavailable:
        return
    raise AssertionError("a stopped queue accepted a job")


async def _post(session: ClientSession, url: str, delivery: str, payload: Any) -> tuple[int, Any]:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
    }
    async with session.post(url + "webhook", data=body, headers=headers) as r:
        return r.status, await r.json()


async def test_the_app_answers_202_then_200_for_a_redelivery_and_serves_readyz_and_metrics(
    database_url: str,  # noqa: F811
) -> None:
    router = Router()
    runs: list[str] = []

    async def handler(ctx: EventContext) -> None:
        runs.append(ctx.delivery_id)

    router.on("pull_request", handler)
    store: Store = open_store(database_url)
    metrics = Metrics(store.job_counts)
    queue = DurableQueue(store, router, 2, policy=FAST, metrics=metrics)
    await queue.start()
    app = build_app(make_settings(), router, queue, store=store, metrics=metrics)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url("/"))
    payload = dict(pr_event("x", 3).payload)
    try:
        async with ClientSession() as session:
            assert (await _post(session, url, "abc-1", payload))[0] == 202
            assert await queue.drain(10)
            status, body = await _post(session, url, "abc-1", payload)
            assert (status, body["status"]) == (200, "done")
            async with session.get(url + "readyz") as r:
                assert r.status == 200 and (await r.json())["store"] == store.backend
            async with session.get(url + "metrics") as r:
                text = await r.text()
            assert 'panicscan_deliveries_total{event="pull_request",outcome="accepted"} 1.0' in text
            assert (
                'panicscan_deliveries_total{event="pull_request",outcome="duplicate"} 1.0' in text
            )
            assert 'panicscan_jobs{status="done"} 1.0' in text
            assert "panicscan_job_seconds_bucket" in text
            store.close()  # the database goes away: not ready any more
            async with session.get(url + "readyz") as r:
                assert r.status == 503
            assert (await _post(session, url, "abc-2", payload))[0] == 503
    finally:
        await server.close()
        await queue.stop(1)
    assert runs == ["abc-1"]


async def test_a_worker_that_loses_its_lease_stops_the_job(database_url: str) -> None:  # noqa: F811
    started = asyncio.Event()
    cancelled = asyncio.Event()
    router = Router()

    async def long(ctx: EventContext) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    router.on("pull_request", long)
    policy = QueuePolicy(lease_seconds=0.3, max_attempts=3, backoff_seconds=0.01)
    async with queue_on(database_url, router, workers=1, policy=policy) as queue:
        await queue.submit(pr_event("d1", 1))
        await asyncio.wait_for(started.wait(), 10)
        # Another process takes the job over (its clock says the lease ran out).
        thief = open_store(database_url)
        stolen = thief.claim(time.time() + 60, 60)
        assert stolen is not None and stolen.delivery_id == "d1"
        await asyncio.wait_for(cancelled.wait(), 10)  # never two runs of one job at once
        assert thief.complete(stolen, time.time())
        thief.close()
        assert queue.store.job_counts()["done"] == 1


async def test_a_job_whose_worker_dies_every_time_is_dead_lettered_with_a_plain_count(
    database_url: str,  # noqa: F811
    caplog: Any,
) -> None:
    """A job whose lease runs out on every attempt (it kills or hangs its worker) is not
    run again: reported once, with the number of attempts it really had."""
    from bot.service.durable_queue import job_from_context

    reported: list[str] = []

    async def dead_letter(ctx: EventContext, reason: str) -> None:
        reported.append(reason)

    async def never(ctx: EventContext) -> None:
        raise AssertionError("a job past its attempts must not run again")

    store = open_store(database_url)
    store.migrate()
    past = time.time() - 1000
    store.accept(job_from_context(pr_event("d-poison", 1)), past)
    for attempt in range(FAST.max_attempts):  # each claim's worker "dies": lease expires
        assert store.claim(past + 10 * (attempt + 1), 1) is not None
    store.close()
    router = Router()
    router.on("pull_request", never)
    with caplog.at_level("ERROR"):
        async with queue_on(database_url, router, dead_letter=dead_letter) as queue:
            queue.wake()
            assert await queue.drain(10)
            assert queue.store.job_counts()["dead"] == 1
    assert reported == ["every attempt ended with its worker gone or hung (the lease expired)"]
    assert f"after {FAST.max_attempts} attempt(s)" in caplog.text
