"""The storage interface: deliveries, the durable job queue and idempotent effects.

Two backends implement it (store_sqlite.py, store_postgres.py) over the same SQL
(store_sql.py) and the same migrations (store_migrations.py). Methods are blocking;
async callers use `asyncio.to_thread`. Times are epoch seconds passed in by the
caller, so tests control the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.errors import ConfigError
from bot.service.waivers import Waiver

DEFAULT_DATABASE_URL = "sqlite:///panicscan.db"

# queued -> running -> done | queued (retry) | dead; queued -> superseded
JobStatus = Literal["queued", "running", "done", "dead", "superseded"]
JOB_STATUSES: tuple[JobStatus, ...] = ("queued", "running", "done", "dead", "superseded")
# replay: a NEW delivery id whose body was seen within the replay window; not stored.
Outcome = Literal["queued", "requeued", "duplicate", "replay"]
REPLAY_WINDOW_SECONDS = 3600.0


@dataclass(frozen=True)
class NewJob:
    """One accepted delivery, as the webhook handler stores it."""

    delivery_id: str
    event: str
    payload_json: str
    pr_key: str | None  # "owner/repo#12": jobs with the same key never run at once
    head_sha: str | None  # a newer head supersedes queued jobs for an older one


@dataclass(frozen=True)
class Acceptance:
    outcome: Outcome  # duplicate: already processed or still queued; not stored again
    job_id: int | None
    superseded: int = 0
    delivery_status: str = "queued"


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    delivery_id: str
    event: str
    payload_json: str
    pr_key: str | None
    attempts: int  # including this one
    lease_token: str  # fences every later update: a stale worker cannot touch the job


class Store(Protocol):
    backend: str

    def migrate(self) -> int:
        """Apply pending migrations (safe to race from several processes); the version."""
        ...

    def is_ready(self) -> bool:
        """Reachable and migrated to the version this code expects."""
        ...

    def accept(self, job: NewJob, now: float) -> Acceptance:
        """Record the delivery and enqueue its job in ONE transaction."""
        ...

    def accept_now(self, job: NewJob, now: float) -> Acceptance | None:
        """`accept` on the caller's thread if that never waits (SQLite, lock free); else None."""
        ...

    def claim(self, now: float, lease_seconds: float) -> ClaimedJob | None:
        """The oldest runnable job whose PR has nothing else running, leased to the caller."""
        ...

    def heartbeat(self, job: ClaimedJob, now: float, lease_seconds: float) -> bool: ...

    def complete(self, job: ClaimedJob, now: float) -> bool: ...

    def retry_later(self, job: ClaimedJob, run_at: float, error: str) -> bool: ...

    def bury(self, job: ClaimedJob, now: float, error: str) -> bool:
        """Dead-letter: no more attempts; its delivery may be redelivered and run again."""
        ...

    def release(self, job: ClaimedJob) -> bool:
        """Give a claimed job back without spending an attempt (graceful shutdown)."""
        ...

    def job_counts(self) -> dict[str, int]: ...

    def maintain(self) -> None:
        """Housekeeping the queue runs every second off the ack path."""
        ...

    def prune(self, older_than: float) -> int:
        """Forget finished jobs and deliveries older than `older_than`; how many jobs."""
        ...

    def check_run_for(self, repo: str, head_sha: str) -> int | None: ...

    def record_check_run(self, repo: str, head_sha: str, check_run_id: int, now: float) -> None: ...

    def posted_fingerprints(self, repo: str, pr_number: int) -> frozenset[str]: ...

    def record_posted(
        self, repo: str, pr_number: int, posted: dict[str, int], now: float
    ) -> None: ...

    def waivers_of(self, repo: str, pr_number: int) -> list[Waiver]: ...

    def add_waiver(self, repo: str, pr_number: int, row: Waiver, now: float) -> None: ...

    def remove_waiver(self, repo: str, pr_number: int, fingerprint: str) -> bool: ...

    def first_handling(self, comment_id: int, command: str, now: float) -> bool: ...

    def newer_queued_head(self, pr_key: str, head_sha: str) -> str | None:
        """The head of a queued review of the same PR (`owner/repo#n`) for another head."""
        ...

    def config_generation(self, repo: str) -> int:
        """How many times the repository's default-branch config may have changed."""
        ...

    def bump_config_generation(self, repo: str, now: float) -> None: ...

    def close(self) -> None: ...


def open_store(url: str, *, pool_size: int = 4, connect_timeout: float = 10.0) -> Store:
    """A store for `url`: sqlite:///relative.db, sqlite:////abs.db, postgresql://..."""
    if url.startswith("sqlite://"):
        from bot.service.store_sqlite import SqliteStore

        path = url.removeprefix("sqlite://")
        if not path.startswith("/") or path == "/":
            raise ConfigError(f"PANICSCAN_DATABASE_URL: expected sqlite:///FILE, got {url!r}")
        return SqliteStore(path[1:] or path)
    if url.startswith(("postgresql://", "postgres://")):
        from bot.service.store_postgres import PostgresStore

        return PostgresStore(url, pool_size=pool_size, connect_timeout=connect_timeout)
    # Never echo the URL: it may carry a password.
    scheme = url.split(":", 1)[0][:20]
    raise ConfigError(
        f"PANICSCAN_DATABASE_URL must start with sqlite:/// or postgresql://, got {scheme!r}..."
    )


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and reprs."""
    head, sep, tail = url.partition("://")
    if "@" not in tail:
        return url
    creds, _, host = tail.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{head}{sep}{user}:***@{host}"
