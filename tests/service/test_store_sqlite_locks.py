"""SQLite shared by the web process and its worker processes: who waits for the lock.

Another connection holding BEGIN IMMEDIATE stands in for a worker process writing.
An ack on the event loop never waits for it (accept_now gives up, the thread path
waits briskly), reads and empty claims never need it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service.store import NewJob
from bot.service.store_sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(str(tmp_path / "panicscan.db"))
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def other_process(store: SqliteStore) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    yield conn
    conn.close()


def job(delivery: str, pr: int = 1) -> NewJob:
    payload = json.dumps({"n": pr, "delivery": delivery})
    return NewJob(delivery, "pull_request", payload, f"acme/edge#{pr}", "a" * 40)


def test_an_ack_on_the_loop_runs_at_once_when_the_lock_is_free(store: SqliteStore) -> None:
    got = store.accept_now(job("d1"), time.time())
    assert got is not None and got.outcome == "queued"
    assert store.job_counts()["queued"] == 1


def test_an_ack_on_the_loop_never_waits_for_another_writer(
    store: SqliteStore, other_process: sqlite3.Connection
) -> None:
    other_process.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    assert store.accept_now(job("d1"), time.time()) is None  # go to a thread instead
    assert time.monotonic() - started < 0.05
    assert store.job_counts()["queued"] == 0  # nothing half-written

    # The thread path waits for it (and gets it within a few ms of its release).
    def release_soon() -> None:
        time.sleep(0.05)
        other_process.execute("COMMIT")

    releaser = threading.Thread(target=release_soon)
    releaser.start()
    started = time.monotonic()
    assert store.accept(job("d1"), time.time()).outcome == "queued"
    waited = time.monotonic() - started
    releaser.join()
    assert 0.04 < waited < 0.5
    assert store.job_counts()["queued"] == 1


def test_reads_and_empty_claims_do_not_need_the_write_lock(
    store: SqliteStore, other_process: sqlite3.Connection
) -> None:
    store.accept(job("d1"), time.time())
    claimed = store.claim(time.time(), 30.0)
    assert claimed is not None
    other_process.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert store.job_counts()["running"] == 1
        assert store.check_run_for("acme/edge", "a" * 40) is None
        assert store.delivery_status("d1") == "running"
        assert store.is_ready()
        assert store.claim(time.time(), 30.0) is None  # its PR is busy: nothing to claim
        assert time.monotonic() - started < 0.5
    finally:
        other_process.execute("COMMIT")
