"""The SQL both backends share; a backend supplies transactions and its dialect bits."""

from __future__ import annotations

import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from bot.service.store import (
    JOB_STATUSES,
    REPLAY_WINDOW_SECONDS,
    Acceptance,
    ClaimedJob,
    NewJob,
)
from bot.service.store_migrations import LATEST_VERSION, MIGRATIONS, statements
from bot.service.waivers import Waiver

_MAX_ERROR_CHARS = 2000


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


# A queued job may run when it is due; a running one whose lease ran out belongs to a
# dead worker. Per-PR ordering: only the oldest unfinished job of a PR is claimable,
# and never while another job of that PR holds a lease.
CLAIM_SQL = """
SELECT id FROM jobs j
WHERE j.status IN ('queued', 'running')
  AND ((j.status = 'queued' AND j.run_at <= %s) OR (j.status = 'running' AND j.lease_until < %s))
  AND (j.pr_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM jobs k
        WHERE k.pr_key = j.pr_key AND k.id <> j.id
          AND (k.status = 'running' OR (k.status = 'queued' AND k.id < j.id))))
ORDER BY j.run_at, j.id
LIMIT 1
"""


class SqlStore(ABC):
    backend = "sql"
    _serial = ""
    _claim_suffix = ""
    replay_window = REPLAY_WINDOW_SECONDS  # a body seen under another id this recently

    @abstractmethod
    def _tx(self) -> AbstractContextManager[Cursor]:
        """One transaction that holds the write lock from its start (SQLite) or row locks."""

    def _ack_tx(self) -> AbstractContextManager[Cursor]:
        """The transaction of the webhook path; backends may keep connections for it."""
        return self._tx()

    def _read_tx(self) -> AbstractContextManager[Cursor]:
        """A transaction that only reads: SQLite runs it beside the writer, not under its lock."""
        return self._tx()

    @abstractmethod
    def _lock_migrations(self, cur: Cursor) -> None:
        """Keep two starting processes from applying the same migration at once."""

    def maintain(self) -> None:  # noqa: B027 - an optional hook, not an abstract one
        """Periodic housekeeping, off the ack path (SQLite adds WAL checkpoints)."""

    def prune(self, older_than: float) -> int:
        """Forget finished jobs and deliveries received before `older_than` (epoch s).

        GitHub keeps deliveries for redelivery 3 days (GHES 7), so a week of history
        is enough to answer every redelivery; dead jobs are kept for inspection.
        """
        with self._tx() as cur:
            cur.execute(
                "DELETE FROM jobs WHERE status IN ('done', 'superseded') AND created_at < %s",
                (older_than,),
            )
            removed = int(cur.rowcount)
            cur.execute(
                "DELETE FROM deliveries WHERE status = 'done' AND received_at < %s",
                (older_than,),
            )
            cur.execute("DELETE FROM payload_digests WHERE seen_at < %s", (older_than,))
        return removed

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def migrate(self) -> int:
        with self._tx() as cur:
            self._lock_migrations(cur)
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            cur.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in cur.fetchall()}
            for version, sql in MIGRATIONS:
                if version in done:
                    continue
                for statement in statements(sql, self._serial):
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (%s, 0)",
                    (version,),
                )
        return self._version()

    def _version(self) -> int:
        with self._read_tx() as cur:
            cur.execute("SELECT MAX(version) FROM schema_migrations")
            row = cur.fetchone()
        return int(row[0] or 0)

    def is_ready(self) -> bool:
        return self._version() >= LATEST_VERSION

    def accept(self, job: NewJob, now: float) -> Acceptance:
        with self._ack_tx() as cur:
            return self._accept(cur, job, now)

    def accept_now(self, job: NewJob, now: float) -> Acceptance | None:
        """`accept` if it can run at once without waiting for anything; None means
        "call accept() from a thread". Only SQLite can: PostgreSQL is a round trip."""
        return None

    def _accept(self, cur: Cursor, job: NewJob, now: float) -> Acceptance:
        # The common case (a new delivery) in one round trip.
        cur.execute(
            "INSERT INTO deliveries (id, event, received_at, status) "
            "VALUES (%s, %s, %s, 'queued') ON CONFLICT (id) DO NOTHING RETURNING id",
            (job.delivery_id, job.event, now),
        )
        fresh = cur.fetchone() is not None
        if fresh and not self._first_sight(cur, job, now):
            cur.execute("DELETE FROM deliveries WHERE id = %s", (job.delivery_id,))
            return Acceptance("replay", None, delivery_status="replay")
        if not fresh:
            cur.execute("SELECT status FROM deliveries WHERE id = %s", (job.delivery_id,))
            status = cur.fetchone()[0]
            if status != "failed":
                # Processed, or still queued: a redelivery must not run it twice.
                return Acceptance("duplicate", None, delivery_status=status)
            # A redelivery of one that was dead-lettered: run it again.
            cur.execute(
                "UPDATE deliveries SET status = 'queued', received_at = %s WHERE id = %s",
                (now, job.delivery_id),
            )
        superseded = self._supersede(cur, job, now)
        cur.execute(
            "INSERT INTO jobs (delivery_id, event, pr_key, head_sha, payload, status, "
            "run_at, created_at) VALUES (%s, %s, %s, %s, %s, 'queued', %s, %s) RETURNING id",
            (job.delivery_id, job.event, job.pr_key, job.head_sha, job.payload_json, now, now),
        )
        job_id = int(cur.fetchone()[0])
        return Acceptance("queued" if fresh else "requeued", job_id, superseded)

    def _first_sight(self, cur: Cursor, job: NewJob, now: float) -> bool:
        """Record the body's digest; False if another delivery id brought it within the
        window. Only the body is signed, so this is what stops a replay under a new id."""
        digest = hashlib.sha256(job.payload_json.encode("utf-8")).hexdigest()
        cur.execute(
            "INSERT INTO payload_digests (digest, delivery_id, seen_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (digest) DO UPDATE SET delivery_id = EXCLUDED.delivery_id, "
            "seen_at = EXCLUDED.seen_at WHERE payload_digests.seen_at < %s RETURNING digest",
            (digest, job.delivery_id, now, now - self.replay_window),
        )
        return cur.fetchone() is not None

    def _supersede(self, cur: Cursor, job: NewJob, now: float) -> int:
        if job.pr_key is None or job.head_sha is None:
            return 0
        # Only queued reviews of another head: a running one finishes (its lease fences it).
        where = (
            "pr_key = %s AND event = %s AND status = 'queued' "
            "AND head_sha IS NOT NULL AND head_sha <> %s"
        )
        params = (job.pr_key, job.event, job.head_sha)
        # Jobs before deliveries, the order every other transaction locks them in:
        # the other order deadlocks against a claim on PostgreSQL.
        cur.execute(
            f"UPDATE jobs SET status = 'superseded', finished_at = %s WHERE {where} "
            "RETURNING delivery_id",
            (now, *params),
        )
        gone = [row[0] for row in cur.fetchall()]
        for delivery_id in gone:
            cur.execute("UPDATE deliveries SET status = 'done' WHERE id = %s", (delivery_id,))
        return len(gone)

    def claim(self, now: float, lease_seconds: float) -> ClaimedJob | None:
        token = uuid.uuid4().hex
        with self._tx() as cur:
            cur.execute(CLAIM_SQL + self._claim_suffix, (now, now))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(
                "UPDATE jobs SET status = 'running', lease_owner = %s, lease_until = %s, "
                "attempts = attempts + 1 WHERE id = %s "
                "RETURNING id, delivery_id, event, payload, pr_key, attempts",
                (token, now + lease_seconds, row[0]),
            )
            got = cur.fetchone()
            cur.execute("UPDATE deliveries SET status = 'running' WHERE id = %s", (got[1],))
        return ClaimedJob(int(got[0]), got[1], got[2], got[3], got[4], int(got[5]), token)

    def _fenced(
        self, sql: str, params: tuple[Any, ...], job: ClaimedJob, delivery: str | None
    ) -> bool:
        """Run `sql` only if the caller still holds the lease; then set the delivery status."""
        with self._tx() as cur:
            cur.execute(
                sql + " WHERE id = %s AND lease_owner = %s AND status = 'running'",
                (*params, job.id, job.lease_token),
            )
            ok = cur.rowcount == 1
            if ok and delivery is not None:
                cur.execute(
                    "UPDATE deliveries SET status = %s WHERE id = %s", (delivery, job.delivery_id)
                )
        return ok

    def heartbeat(self, job: ClaimedJob, now: float, lease_seconds: float) -> bool:
        return self._fenced("UPDATE jobs SET lease_until = %s", (now + lease_seconds,), job, None)

    def complete(self, job: ClaimedJob, now: float) -> bool:
        return self._fenced(
            "UPDATE jobs SET status = 'done', finished_at = %s, lease_owner = NULL",
            (now,),
            job,
            "done",
        )

    def retry_later(self, job: ClaimedJob, run_at: float, error: str) -> bool:
        return self._fenced(
            "UPDATE jobs SET status = 'queued', run_at = %s, last_error = %s, lease_owner = NULL",
            (run_at, error[:_MAX_ERROR_CHARS]),
            job,
            "queued",
        )

    def bury(self, job: ClaimedJob, now: float, error: str) -> bool:
        return self._fenced(
            "UPDATE jobs SET status = 'dead', finished_at = %s, last_error = %s, "
            "lease_owner = NULL",
            (now, error[:_MAX_ERROR_CHARS]),
            job,
            "failed",
        )

    def release(self, job: ClaimedJob) -> bool:
        return self._fenced(
            "UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_owner = NULL",
            (),
            job,
            "queued",
        )

    def job_counts(self) -> dict[str, int]:
        with self._read_tx() as cur:
            cur.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status")
            found = {row[0]: int(row[1]) for row in cur.fetchall()}
        return {status: found.get(status, 0) for status in JOB_STATUSES}

    def delivery_status(self, delivery_id: str) -> str | None:
        with self._read_tx() as cur:
            cur.execute("SELECT status FROM deliveries WHERE id = %s", (delivery_id,))
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def check_run_for(self, repo: str, head_sha: str) -> int | None:
        with self._read_tx() as cur:
            cur.execute(
                "SELECT check_run_id FROM check_runs WHERE repo = %s AND head_sha = %s",
                (repo, head_sha),
            )
            row = cur.fetchone()
        return None if row is None else int(row[0])

    def record_check_run(self, repo: str, head_sha: str, check_run_id: int, now: float) -> None:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO check_runs (repo, head_sha, check_run_id, created_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (repo, head_sha) DO UPDATE "
                "SET check_run_id = EXCLUDED.check_run_id",
                (repo, head_sha, check_run_id, now),
            )

    def posted_fingerprints(self, repo: str, pr_number: int) -> frozenset[str]:
        with self._read_tx() as cur:
            cur.execute(
                "SELECT fingerprint FROM posted_comments WHERE repo = %s AND pr_number = %s",
                (repo, pr_number),
            )
            return frozenset(row[0] for row in cur.fetchall())

    def record_posted(self, repo: str, pr_number: int, posted: dict[str, int], now: float) -> None:
        with self._tx() as cur:
            for fingerprint, comment_id in posted.items():
                cur.execute(
                    "INSERT INTO posted_comments (repo, pr_number, fingerprint, comment_id, "
                    "posted_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (repo, pr_number, fingerprint, comment_id, now),
                )

    # -- waivers (the audit trail) and handled commands ----------------------------------

    def waivers_of(self, repo: str, pr_number: int) -> list[Waiver]:
        with self._read_tx() as cur:
            cur.execute(
                "SELECT fingerprint, rule, path, author, reason, head_sha, created "
                "FROM waivers WHERE repo = %s AND pr_number = %s ORDER BY id",
                (repo, pr_number),
            )
            return [Waiver(*(str(v) for v in row)) for row in cur.fetchall()]

    def add_waiver(self, repo: str, pr_number: int, waiver: Waiver, now: float) -> None:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO waivers (repo, pr_number, fingerprint, rule, path, author, reason, "
                "head_sha, created, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (repo, pr_number, fingerprint) DO UPDATE SET "
                "author = EXCLUDED.author, reason = EXCLUDED.reason, "
                "head_sha = EXCLUDED.head_sha, created = EXCLUDED.created",
                (
                    repo,
                    pr_number,
                    waiver.fingerprint,
                    waiver.rule,
                    waiver.path,
                    waiver.user,
                    waiver.reason,
                    waiver.head_sha,
                    waiver.created_at,
                    now,
                ),
            )

    def remove_waiver(self, repo: str, pr_number: int, fingerprint: str) -> bool:
        with self._tx() as cur:
            cur.execute(
                "DELETE FROM waivers WHERE repo = %s AND pr_number = %s AND fingerprint = %s",
                (repo, pr_number, fingerprint),
            )
            return bool(cur.rowcount)

    def first_handling(self, comment_id: int, command: str, now: float) -> bool:
        """True once per (comment, command): an edited comment repeats no command."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO handled_commands (comment_id, command, handled_at) "
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (comment_id, command, now),
            )
            return bool(cur.rowcount)

    def newer_queued_head(self, pr_key: str, head_sha: str) -> str | None:
        with self._read_tx() as cur:
            cur.execute(
                "SELECT head_sha FROM jobs WHERE pr_key = %s AND event = 'pull_request' "
                "AND status = 'queued' AND head_sha IS NOT NULL AND head_sha <> %s "
                "ORDER BY id DESC LIMIT 1",
                (pr_key, head_sha),
            )
            row = cur.fetchone()
            return None if row is None else str(row[0])

    def config_generation(self, repo: str) -> int:
        with self._read_tx() as cur:
            cur.execute("SELECT generation FROM config_generations WHERE repo = %s", (repo,))
            row = cur.fetchone()
            return 0 if row is None else int(row[0])

    def bump_config_generation(self, repo: str, now: float) -> None:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO config_generations (repo, generation, updated_at) "
                "VALUES (%s, 1, %s) ON CONFLICT (repo) DO UPDATE SET "
                "generation = config_generations.generation + 1, updated_at = EXCLUDED.updated_at",
                (repo, now),
            )
