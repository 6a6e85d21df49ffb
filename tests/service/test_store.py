"""The store on both backends: migrations, de-duplication, claims, leases, retries."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator

import pytest
from test_store_support import database_url, pg_admin_url  # noqa: F401 - fixtures

from bot.errors import ConfigError
from bot.service.store import NewJob, Store, open_store, redact_url
from bot.service.store_migrations import LATEST_VERSION

LEASE = 30.0


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:  # noqa: F811
    s = open_store(database_url)
    s.migrate()
    yield s
    s.close()


def job(delivery: str, pr: int | None = 1, sha: str | None = "a" * 40) -> NewJob:
    return NewJob(
        delivery_id=delivery,
        event="pull_request",
        payload_json=json.dumps({"n": pr, "delivery": delivery}),  # bodies differ, as on GitHub
        pr_key=None if pr is None else f"acme/edge#{pr}",
        head_sha=sha,
    )


def test_migrations_are_applied_once_and_the_store_is_ready(database_url: str) -> None:  # noqa: F811
    s = open_store(database_url)
    try:
        assert not s.is_ready()
        assert s.migrate() == LATEST_VERSION
        assert s.migrate() == LATEST_VERSION  # a second replica starting: nothing to do
        assert s.is_ready()
    finally:
        s.close()


def test_concurrent_migrations_from_two_processes_do_not_collide(database_url: str) -> None:  # noqa: F811
    stores = [open_store(database_url) for _ in range(3)]
    errors: list[BaseException] = []

    def run(s: Store) -> None:
        try:
            s.migrate()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(s.is_ready() for s in stores)
    for s in stores:
        s.close()


def test_a_stored_delivery_is_a_duplicate_until_it_fails(store: Store) -> None:
    assert store.accept(job("d1"), 1.0).outcome == "queued"
    again = store.accept(job("d1"), 2.0)
    assert (again.outcome, again.delivery_status) == ("duplicate", "queued")
    claimed = store.claim(3.0, LEASE)
    assert claimed is not None
    assert store.complete(claimed, 4.0)
    assert store.accept(job("d1"), 5.0).delivery_status == "done"


def test_a_redelivery_of_a_dead_lettered_delivery_runs_again(store: Store) -> None:
    store.accept(job("d1"), 1.0)
    claimed = store.claim(2.0, LEASE)
    assert claimed is not None
    assert store.bury(claimed, 3.0, "boom")
    again = store.accept(job("d1"), 4.0)
    assert again.outcome == "requeued"
    rerun = store.claim(5.0, LEASE)
    assert rerun is not None and rerun.delivery_id == "d1" and rerun.attempts == 1


def test_jobs_of_one_pr_never_run_at_once_and_keep_their_order(store: Store) -> None:
    store.accept(job("d1", pr=1, sha=None), 1.0)
    store.accept(job("d2", pr=1, sha=None), 1.0)
    store.accept(job("d3", pr=2, sha=None), 1.0)
    first = store.claim(2.0, LEASE)
    second = store.claim(2.0, LEASE)
    assert first is not None and second is not None
    assert (first.delivery_id, second.delivery_id) == ("d1", "d3")
    assert store.claim(2.0, LEASE) is None  # d2 waits for d1
    store.complete(first, 3.0)
    third = store.claim(3.0, LEASE)
    assert third is not None and third.delivery_id == "d2"


def test_a_newer_head_supersedes_queued_jobs_for_an_older_one(store: Store) -> None:
    store.accept(job("d1", sha="1" * 40), 1.0)
    running = store.claim(1.5, LEASE)
    store.accept(job("d2", sha="2" * 40), 2.0)
    got = store.accept(job("d3", sha="3" * 40), 3.0)
    assert got.superseded == 1  # d2; d1 is running and finishes
    assert running is not None
    store.complete(running, 4.0)
    nxt = store.claim(5.0, LEASE)
    assert nxt is not None and nxt.delivery_id == "d3"
    assert store.job_counts()["superseded"] == 1
    assert store.accept(job("d2", sha="2" * 40), 6.0).outcome == "duplicate"


def test_an_expired_lease_is_claimed_again_and_fences_the_old_worker(store: Store) -> None:
    store.accept(job("d1"), 1.0)
    dead_worker = store.claim(2.0, LEASE)
    assert dead_worker is not None
    assert store.claim(2.0 + LEASE - 1, LEASE) is None  # still leased
    taken = store.claim(2.0 + LEASE + 1, LEASE)
    assert taken is not None and taken.id == dead_worker.id and taken.attempts == 2
    assert not store.complete(dead_worker, 40.0)  # its lease is gone
    assert not store.heartbeat(dead_worker, 40.0, LEASE)
    assert store.complete(taken, 41.0)


def test_a_retry_waits_for_its_backoff(store: Store) -> None:
    store.accept(job("d1"), 1.0)
    claimed = store.claim(1.0, LEASE)
    assert claimed is not None
    assert store.retry_later(claimed, 10.0, "flaky")
    assert store.claim(9.0, LEASE) is None
    again = store.claim(10.0, LEASE)
    assert again is not None and again.attempts == 2


def test_a_released_job_keeps_its_attempts(store: Store) -> None:
    store.accept(job("d1"), 1.0)
    claimed = store.claim(1.0, LEASE)
    assert claimed is not None and store.release(claimed)
    again = store.claim(1.0, LEASE)
    assert again is not None and again.attempts == 1


def test_pruning_forgets_old_finished_work_but_keeps_dead_and_open_jobs(store: Store) -> None:
    for name in ("old-done", "old-dead", "old-open"):
        store.accept(job(name, pr=None, sha=None), 1.0)
    done = store.claim(2.0, LEASE)
    dead = store.claim(2.0, LEASE)
    assert done is not None and dead is not None
    store.complete(done, 3.0)
    store.bury(dead, 3.0, "boom")
    store.accept(job("new-done", pr=None, sha=None), 500.0)
    assert store.prune(older_than=100.0) == 1
    counts = store.job_counts()
    assert (counts["done"], counts["dead"], counts["queued"]) == (0, 1, 2)
    assert store.accept(job("old-done", pr=None, sha=None), 600.0).outcome == "queued"
    store.maintain()  # housekeeping is safe at any time


def test_job_counts_cover_every_status(store: Store) -> None:
    store.accept(job("d1", pr=None, sha=None), 1.0)
    assert store.job_counts() == {
        "queued": 1,
        "running": 0,
        "done": 0,
        "dead": 0,
        "superseded": 0,
    }


def test_effects_remember_check_runs_and_posted_fingerprints(store: Store) -> None:
    assert store.check_run_for("acme/edge", "a" * 40) is None
    store.record_check_run("acme/edge", "a" * 40, 77, 1.0)
    store.record_check_run("acme/edge", "a" * 40, 78, 2.0)  # a re-created run wins
    assert store.check_run_for("acme/edge", "a" * 40) == 78
    store.record_posted("acme/edge", 1, {"fp1": 10, "fp2": 11}, 1.0)
    store.record_posted("acme/edge", 1, {"fp1": 12}, 2.0)  # already known: ignored
    assert store.posted_fingerprints("acme/edge", 1) == {"fp1", "fp2"}
    assert store.posted_fingerprints("acme/edge", 2) == frozenset()


def test_a_queued_newer_head_is_visible_to_the_running_review(store: Store) -> None:
    store.accept(job("d1", sha="a" * 40), now=1.0)
    running = store.claim(now=2.0, lease_seconds=LEASE)
    assert running is not None
    assert store.newer_queued_head("acme/edge#1", "a" * 40) is None
    store.accept(job("d2", sha="b" * 40), now=3.0)
    store.accept(job("d3", pr=2, sha="c" * 40), now=3.0)  # another PR: not a newer head
    assert store.newer_queued_head("acme/edge#1", "a" * 40) == "b" * 40
    assert store.newer_queued_head("acme/edge#1", "b" * 40) is None  # that is the newest
    assert store.newer_queued_head("acme/edge#9", "a" * 40) is None


def test_config_generations_count_changes_per_repository(store: Store) -> None:
    assert store.config_generation("acme/edge") == 0
    store.bump_config_generation("acme/edge", now=1.0)
    store.bump_config_generation("acme/edge", now=2.0)
    store.bump_config_generation("acme/.github", now=2.0)
    assert store.config_generation("acme/edge") == 2
    assert store.config_generation("acme/.github") == 1
    assert store.config_generation("acme/other") == 0


def test_an_oversized_error_text_is_truncated(store: Store) -> None:
    store.accept(job("d1"), 1.0)
    claimed = store.claim(1.0, LEASE)
    assert claimed is not None
    assert store.retry_later(claimed, 1.0, "x" * 1_000_000)


def test_hostile_delivery_ids_are_stored_as_data(store: Store) -> None:
    evil = "x'); DROP TABLE jobs; --"
    assert store.accept(job(evil), 1.0).outcome == "queued"
    assert store.accept(job(evil), 1.0).outcome == "duplicate"
    assert store.job_counts()["queued"] == 1


@pytest.mark.parametrize(
    "url",
    ["mysql://x", "sqlite://relative.db", "sqlite:///", "", "http://db"],
)
def test_malformed_database_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        open_store(url)


def test_an_unopenable_sqlite_path_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="cannot open"):
        open_store(f"sqlite:///{tmp_path}/no/such/dir/x.db")


def test_an_unreachable_postgres_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        open_store("postgresql://u:hunter2@127.0.0.1:1/db", connect_timeout=0.5)
    assert "hunter2" not in str(info.value)


def test_a_corrupt_sqlite_file_is_not_ready(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    try:
        s = open_store(f"sqlite:///{path}")
    except sqlite3.DatabaseError:
        return  # refused at open: also acceptable
    assert not s.is_ready()
    s.close()


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("postgresql://bot:s3cret@db:5432/x") == "postgresql://bot:***@db:5432/x"
    assert redact_url("sqlite:///a.db") == "sqlite:///a.db"
