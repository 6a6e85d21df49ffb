"""The durable job queue: store-then-ack, leased claims, retries, dead letters.

`submit` writes the delivery and its job in one transaction before the webhook is
answered, so a process killed a millisecond after its 202 loses nothing: the next
process (or another replica) claims the job once the lease runs out. Workers poll the
store, so replicas on one database share the work with no other coordination.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.errors import PanicscanError
from bot.service.events import EventContext, Router, get_path, make_context
from bot.service.metrics import Metrics
from bot.service.queue import QueueUnavailable
from bot.service.store import ClaimedJob, NewJob, Store

_logger = logging.getLogger("panicscan.service.durable_queue")

DeadLetter = Callable[[EventContext, str], Awaitable[None]]
T = TypeVar("T")
MAINTAIN_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 3600.0
HISTORY_SECONDS = 7 * 24 * 3600.0  # GitHub redelivers for 3 days (GHES: 7)
ACK_THREADS = 4  # PostgreSQL acks are round trips: several may be in flight at once


class DuplicateDelivery(PanicscanError):
    """This delivery id was already accepted (processed or still queued): answer 200."""

    def __init__(self, delivery_id: str, status: str) -> None:
        super().__init__(f"delivery {delivery_id} already {status}")
        self.status = status


@dataclass(frozen=True)
class QueuePolicy:
    lease_seconds: float = 120.0  # a job held longer by a silent worker is taken back
    max_attempts: int = 5
    backoff_seconds: float = 2.0  # retry n waits backoff * 2**(n-1), capped
    max_backoff_seconds: float = 300.0
    poll_seconds: float = 0.25  # idle workers look for jobs from other replicas this often
    job_timeout: float | None = None

    def backoff(self, attempts: int) -> float:
        return float(min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempts - 1)))


def job_from_context(ctx: EventContext) -> NewJob:
    head = get_path(ctx.payload, "pull_request", "head", "sha", type=str)
    key = ctx.pr_key
    return NewJob(
        delivery_id=ctx.delivery_id,
        event=ctx.event,
        # The text as it came (it parsed to this payload), else serialised once here.
        payload_json=ctx.payload_json or json.dumps(dict(ctx.payload), separators=(",", ":")),
        pr_key=None if key is None else f"{key[0]}#{key[1]}",
        head_sha=head if ctx.event == "pull_request" else None,
    )


class DurableQueue:
    """A ManagedJobSink over a Store; `workers` asyncio tasks claim and run jobs.

    `workers=0` only accepts (the web process when worker processes run the jobs);
    `housekeeping=False` leaves checkpoints and pruning to another process.
    """

    def __init__(
        self,
        store: Store,
        router: Router,
        workers: int,
        *,
        policy: QueuePolicy = QueuePolicy(),
        metrics: Metrics | None = None,
        dead_letter: DeadLetter | None = None,
        clock: Callable[[], float] = time.time,
        housekeeping: bool = True,
    ) -> None:
        if workers < 0:
            raise ValueError("workers must be >= 0")
        self._store = store
        self._router = router
        self._workers = workers
        self._policy = policy
        self._metrics = metrics
        self._dead_letter = dead_letter
        self._clock = clock
        self._housekeeping = housekeeping
        # One token wakes one idle worker: a burst of acks must not send every idle
        # worker (of every process) to the store for the one job each ack brings.
        self._doorbell: asyncio.Queue[None] = asyncio.Queue(maxsize=max(1, workers))
        self._tasks: list[asyncio.Task[None]] = []
        self._upkeep: asyncio.Task[None] | None = None
        self._running: dict[int, ClaimedJob] = {}
        self._accepting = False
        self._claiming = False
        # Own threads, not asyncio's default pool: PyGithub calls fill that one, and an
        # ack must never wait behind them. Acks get threads of their own.
        self._ack_pool = ThreadPoolExecutor(ACK_THREADS, thread_name_prefix="panicscan-ack")
        self._db_pool = ThreadPoolExecutor(4, thread_name_prefix="panicscan-db")

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    @property
    def store(self) -> Store:
        return self._store

    async def start(self) -> None:
        if self._tasks or self._upkeep is not None:
            return
        version = await self._db(self._store.migrate)
        _logger.info("store %s at schema version %d", self._store.backend, version)
        self._accepting = self._claiming = True
        self._tasks = [
            asyncio.create_task(self._work(), name=f"panicscan-durable-worker-{i}")
            for i in range(self._workers)
        ]
        if self._housekeeping:
            self._upkeep = asyncio.create_task(self._maintain(), name="panicscan-store-upkeep")

    def wake(self) -> None:
        """Let one idle worker look for work now (a job was queued), not at its next poll."""
        with contextlib.suppress(asyncio.QueueFull):  # enough idle workers are woken already
            self._doorbell.put_nowait(None)

    async def submit(self, ctx: EventContext) -> None:
        if not self._accepting:
            raise QueueUnavailable("job queue is not running")
        job = job_from_context(ctx)
        try:
            got = self._store.accept_now(job, self._clock())
            if got is None:  # it would wait (for a lock, or the network): not on the loop
                loop = asyncio.get_running_loop()
                got = await loop.run_in_executor(
                    self._ack_pool, self._store.accept, job, self._clock()
                )
        except Exception as exc:
            # The database is down or locked: 503 makes the delivery visible as failed.
            ctx.logger.error("could not store delivery: %s", exc)
            raise QueueUnavailable(f"store unavailable: {type(exc).__name__}") from exc
        if got.outcome in ("duplicate", "replay"):
            raise DuplicateDelivery(ctx.delivery_id, got.delivery_status)
        if got.superseded:
            ctx.logger.info("superseded %d queued job(s) for an older head", got.superseded)
        self.wake()

    async def drain(self, timeout: float) -> bool:
        """Wait until the store has no queued or running job; False on timeout."""
        deadline = self._clock() + timeout
        while self._clock() < deadline:
            counts = await self._db(self._store.job_counts)
            if counts["queued"] == 0 and counts["running"] == 0:
                return True
            await asyncio.sleep(0.05)
        return False

    async def stop(self, timeout: float) -> None:
        """Stop claiming, let running jobs finish for `timeout` s, release the rest."""
        self._accepting = self._claiming = False
        for _ in range(self._doorbell.maxsize):
            self.wake()  # every idle worker: see that claiming has stopped
        if self._upkeep is None and not self._tasks:
            return  # never started
        if self._upkeep is not None:
            self._upkeep.cancel()  # housekeeping only: nothing to finish
            await asyncio.gather(self._upkeep, return_exceptions=True)
            self._upkeep = None
        pending: set[asyncio.Task[None]] = set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
        if pending:
            _logger.warning(
                "shutdown timeout (%.1fs): releasing %d running job(s)", timeout, len(pending)
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks = []
        self._ack_pool.shutdown(wait=False)
        self._db_pool.shutdown(wait=True)

    async def _work(self) -> None:
        while self._claiming:
            try:
                job = await self._db(self._store.claim, self._clock(), self._policy.lease_seconds)
            except Exception:
                _logger.exception("claiming a job failed; retrying")
                job = None
            if job is None:
                # Poll as well as wait: another replica may have queued the work.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._doorbell.get(), self._policy.poll_seconds)
                continue
            if not self._claiming:  # shutdown began while the claim was in flight
                await self._db(self._store.release, job)
                return
            await self._run(job)

    async def _maintain(self) -> None:
        last_prune = 0.0
        while self._claiming:
            await asyncio.sleep(MAINTAIN_SECONDS)
            try:
                await self._db(self._store.maintain)
                if self._clock() - last_prune > PRUNE_EVERY_SECONDS:
                    last_prune = self._clock()
                    pruned = await self._db(self._store.prune, last_prune - HISTORY_SECONDS)
                    _logger.info("pruned %d finished job(s) older than a week", pruned)
            except Exception:
                _logger.exception("store housekeeping failed; will retry")

    async def _run(self, job: ClaimedJob) -> None:
        ctx = make_context(job.delivery_id, job.event, json.loads(job.payload_json))
        if job.attempts > self._policy.max_attempts:
            # Leases ran out this often: the job kills or hangs its worker. Stop trying.
            # (This claim is not an attempt: the job is not run again.)
            gone = "every attempt ended with its worker gone or hung (the lease expired)"
            await self._bury(job, ctx, gone, attempts=job.attempts - 1)
            return
        started = self._clock()
        handling = asyncio.create_task(self._handle(ctx))
        heartbeat = asyncio.create_task(self._heartbeat(job, handling))
        try:
            # wait(), not `await handling`: cancelled at shutdown, wait() returns at once,
            # while awaiting the task would first sit out its own clean-up (which may wait
            # on GitHub), and the job would be released only after the deadline.
            await asyncio.wait({handling})
            error = handling.result()
        except asyncio.CancelledError:
            if heartbeat.done() and not heartbeat.cancelled():
                # The lease went to another worker, which now runs the job: stand down.
                ctx.logger.warning("job stopped: its lease was taken over")
                return
            handling.cancel()
            await asyncio.shield(self._db(self._store.release, job))
            ctx.logger.info("job released for another worker (shutdown)")
            raise
        finally:
            heartbeat.cancel()
        if self._metrics is not None:
            self._metrics.job_seconds.labels(ctx.event).observe(self._clock() - started)
        if error is None:
            await self._db(self._store.complete, job, self._clock())
            self._count("done")
        elif job.attempts >= self._policy.max_attempts:
            await self._bury(job, ctx, error, attempts=job.attempts)
        else:
            delay = self._policy.backoff(job.attempts)
            ctx.logger.warning("attempt %d failed (%s); retry in %.1fs", job.attempts, error, delay)
            await self._db(self._store.retry_later, job, self._clock() + delay, error)
            self._count("retried")

    async def _handle(self, ctx: EventContext) -> str | None:
        """Run every handler; the first failure as text, or None when all succeeded."""
        failure: str | None = None
        for handler in self._router.route(ctx.event, ctx.action):
            name = getattr(handler, "__qualname__", repr(handler))
            deadline = asyncio.timeout(self._policy.job_timeout)
            try:
                async with deadline:
                    await handler(ctx)
            except Exception as exc:
                # One bad delivery must not take the worker down; the log has the delivery id.
                if deadline.expired():
                    ctx.logger.error("handler %s timed out", name)
                    failure = failure or f"{name} timed out"
                else:
                    ctx.logger.exception("handler %s failed", name)
                    failure = failure or f"{name}: {type(exc).__name__}: {exc}"
        return failure

    async def _heartbeat(self, job: ClaimedJob, handling: asyncio.Task[str | None]) -> None:
        """Renew the lease; if another worker took it, cancel this run of the job."""
        while True:
            await asyncio.sleep(self._policy.lease_seconds / 3)
            try:
                held = await self._db(
                    self._store.heartbeat, job, self._clock(), self._policy.lease_seconds
                )
            except Exception:
                _logger.exception("lease heartbeat for job %d failed", job.id)
                continue
            if not held:
                _logger.warning("lost the lease of job %d", job.id)
                handling.cancel()
                return

    async def _bury(self, job: ClaimedJob, ctx: EventContext, error: str, *, attempts: int) -> None:
        await self._db(self._store.bury, job, self._clock(), error)
        self._count("dead")
        ctx.logger.error("job dead-lettered after %d attempt(s): %s", attempts, error)
        if self._dead_letter is None:
            return
        try:
            await self._dead_letter(ctx, error)
        except Exception:
            ctx.logger.exception("dead-letter report failed")

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.jobs.labels(outcome).inc()
