"""Replay defence: signature + delivery-id de-duplication + a body-digest window, in the store."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from service_harness import SECRET, make_settings
from test_store_support import database_url, pg_admin_url  # noqa: F401 - fixtures

from bot.service.app import build_app
from bot.service.durable_queue import DurableQueue, QueuePolicy
from bot.service.events import EventContext, Router
from bot.service.metrics import Metrics
from bot.service.signature import sign
from bot.service.store import REPLAY_WINDOW_SECONDS, NewJob, open_store

FAST = QueuePolicy(lease_seconds=5.0, max_attempts=3, backoff_seconds=0.01, poll_seconds=0.02)
PAYLOAD: dict[str, Any] = {
    "action": "synchronize",
    "repository": {"full_name": "acme/edge", "name": "edge", "owner": {"login": "acme"}},
    "pull_request": {"number": 3, "head": {"sha": "a" * 40}},
    "installation": {"id": 7},
}


def job(delivery: str, payload_json: str = '{"n": 1}') -> NewJob:
    return NewJob(delivery, "pull_request", payload_json, "acme/edge#1", "a" * 40)


def test_a_known_body_under_a_new_delivery_id_is_refused_within_the_window(
    database_url: str,  # noqa: F811
) -> None:
    store = open_store(database_url)
    try:
        store.migrate()
        assert store.accept(job("first"), 100.0).outcome == "queued"
        replay = store.accept(job("forged-id"), 100.0 + REPLAY_WINDOW_SECONDS - 1)
        assert (replay.outcome, replay.job_id) == ("replay", None)
        assert store.job_counts()["queued"] == 1, "the replay stored no job"
        # The refused id was not remembered: it is not a "duplicate" of anything.
        assert store.delivery_status("forged-id") is None  # type: ignore[attr-defined]
        assert store.accept(job("other", '{"n": 2}'), 101.0).outcome == "queued"
    finally:
        store.close()


def test_the_same_body_is_accepted_again_once_the_window_has_passed(
    database_url: str,  # noqa: F811
) -> None:
    store = open_store(database_url)
    try:
        store.migrate()
        assert store.accept(job("first"), 100.0).outcome == "queued"
        later = 100.0 + REPLAY_WINDOW_SECONDS + 1
        assert store.accept(job("later"), later).outcome == "queued"
        # ...and the window restarts from that sighting.
        assert store.accept(job("again"), later + 1).outcome == "replay"
    finally:
        store.close()


def test_an_oversized_body_is_digested_not_stored_as_a_key(database_url: str) -> None:  # noqa: F811
    store = open_store(database_url)
    big = json.dumps({"blob": "x" * 2_000_000})
    try:
        store.migrate()
        assert store.accept(job("big", big), 1.0).outcome == "queued"
        assert store.accept(job("big-again", big), 2.0).outcome == "replay"
        assert store.accept(job("big-changed", big[:-2] + 'y"}'), 3.0).outcome == "queued"
    finally:
        store.close()


def test_digests_are_pruned_with_the_delivery_history(database_url: str) -> None:  # noqa: F811
    store = open_store(database_url)
    try:
        store.migrate()
        assert store.accept(job("old"), 1.0).outcome == "queued"
        store.prune(older_than=10.0)
        # Pruned: within the window by the clock given, yet no longer known.
        assert store.accept(job("new"), 11.0).outcome == "queued"
    finally:
        store.close()


async def _post(
    session: ClientSession, url: str, delivery: str, body: bytes, signature: str | None = None
) -> tuple[int, Any]:
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature or sign(SECRET.encode(), body),
    }
    async with session.post(url + "webhook", data=body, headers=headers) as r:
        return r.status, await r.json()


async def _serve_once(
    url: str, runs: list[str], posts: list[tuple[str, bytes, str | None]]
) -> tuple[list[tuple[int, Any]], str]:
    """Start the real app on the store at `url`, send `posts`, stop; (answers, /metrics)."""
    router = Router()

    async def handler(ctx: EventContext) -> None:
        runs.append(ctx.delivery_id)

    router.on("pull_request", handler)
    store = open_store(url)
    metrics = Metrics(store.job_counts)
    queue = DurableQueue(store, router, 2, policy=FAST, metrics=metrics)
    await queue.start()
    server = TestServer(build_app(make_settings(), router, queue, store=store, metrics=metrics))
    await server.start_server()
    base = str(server.make_url("/"))
    answers = []
    try:
        async with ClientSession() as session:
            for delivery, body, signature in posts:
                answers.append(await _post(session, base, delivery, body, signature))
                assert await queue.drain(10)
            async with session.get(base + "metrics") as r:
                text = await r.text()
    finally:
        await server.close()
        await queue.stop(5)
        store.close()
    return answers, text


async def test_a_replayed_signed_body_runs_once_even_across_a_restart(
    database_url: str,  # noqa: F811
) -> None:
    body = json.dumps(PAYLOAD).encode()
    runs: list[str] = []
    first, _ = await _serve_once(database_url, runs, [("guid-1", body, None)])
    assert first[0][0] == 202

    # A new process on the same database: GitHub's redelivery (same id) and an
    # attacker's replay (captured body and signature, a fresh id header).
    again, text = await _serve_once(
        database_url, runs, [("guid-1", body, None), ("guid-forged", body, None)]
    )
    assert again[0] == (200, {"duplicate": "guid-1", "status": "done"})
    assert again[1] == (200, {"duplicate": "guid-forged", "status": "replay"})
    assert runs == ["guid-1"]
    assert 'panicscan_deliveries_total{event="pull_request",outcome="replay"} 1.0' in text


async def test_a_changed_body_under_a_captured_signature_is_refused(
    database_url: str,  # noqa: F811
) -> None:
    body = json.dumps(PAYLOAD).encode()
    changed = json.dumps({**PAYLOAD, "action": "reopened"}).encode()
    runs: list[str] = []
    answers, _ = await _serve_once(
        database_url, runs, [("guid-a", changed, sign(SECRET.encode(), body))]
    )
    assert answers[0] == (401, {"error": "bad signature"})
    assert runs == []
