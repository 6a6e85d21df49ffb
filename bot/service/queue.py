"""In-memory job queue: N asyncio workers, at most one running job per pull request.

The web layer only sees `JobSink.submit`, so a durable (store-then-ack) queue can
replace this one later without touching app.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.errors import PanicscanError
from bot.service.events import EventContext, PRKey, Router

_logger = logging.getLogger("panicscan.service.queue")


class QueueUnavailable(PanicscanError):
    """The queue is stopped or full and cannot accept a job right now."""


class JobSink(Protocol):
    """Where the web layer hands accepted deliveries."""

    async def submit(self, ctx: EventContext) -> None:
        """Accept the job or raise QueueUnavailable; must return quickly."""
        ...


class ManagedJobSink(JobSink, Protocol):
    """A JobSink with a lifecycle, as `run_server` drives it."""

    async def start(self) -> None: ...

    async def stop(self, timeout: float) -> None: ...


@runtime_checkable
class ReportsWorkers(Protocol):
    """A sink whose jobs run in worker processes; /readyz shows how many are up."""

    def worker_status(self) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class QueueStats:
    accepted: int  # jobs
    pending: int  # jobs accepted and not finished
    handlers_ok: int  # handler runs (a job may run several handlers)
    handlers_failed: int


class JobQueue:
    """Runs each job's handlers on one of `workers` tasks.

    Per-PR ordering uses a serial chain, not a lock: while a PR has a job queued or
    running, later jobs for it wait in that PR's backlog, so no worker ever sits
    blocked on a lock while other PRs could run.
    """

    def __init__(
        self,
        router: Router,
        workers: int,
        *,
        max_pending: int = 10_000,
        job_timeout: float | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._router = router
        self._workers = workers
        self._max_pending = max_pending
        self._job_timeout = job_timeout
        self._ready: asyncio.Queue[EventContext] = asyncio.Queue()
        self._backlog: dict[PRKey, deque[EventContext]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._accepting = False
        self._accepted = self._handlers_ok = self._handlers_failed = 0

    @property
    def stats(self) -> QueueStats:
        return QueueStats(
            self._accepted, self._unfinished, self._handlers_ok, self._handlers_failed
        )

    async def start(self) -> None:
        if self._tasks:
            return
        self._accepting = True
        self._tasks = [
            asyncio.create_task(self._work(), name=f"panicscan-worker-{i}")
            for i in range(self._workers)
        ]

    async def submit(self, ctx: EventContext) -> None:
        if not self._accepting:
            raise QueueUnavailable("job queue is not running")
        if self._unfinished >= self._max_pending:
            raise QueueUnavailable(f"job queue is full ({self._max_pending} pending)")
        self._accepted += 1
        self._unfinished += 1
        self._idle.clear()
        key = ctx.pr_key
        if key is None:
            self._ready.put_nowait(ctx)
        elif key in self._backlog:
            self._backlog[key].append(ctx)  # that PR is busy: run after its current job
        else:
            self._backlog[key] = deque()
            self._ready.put_nowait(ctx)
        ctx.logger.debug("job queued for %s", ctx.key)

    async def drain(self, timeout: float) -> bool:
        """Wait until every accepted job has finished; False if `timeout` ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self, timeout: float) -> None:
        """Refuse new jobs, let accepted ones finish for up to `timeout` s, then cancel."""
        self._accepting = False
        if not self._tasks:
            return
        if not await self.drain(timeout):
            _logger.warning(
                "shutdown timeout (%.1fs): cancelling %d unfinished job(s)",
                timeout,
                self._unfinished,
            )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        while True:
            ctx = await self._ready.get()
            try:
                await self._run(ctx)
            finally:
                self._finish(ctx)

    async def _run(self, ctx: EventContext) -> None:
        for handler in self._router.route(ctx.event, ctx.action):
            name = getattr(handler, "__qualname__", repr(handler))
            deadline = asyncio.timeout(self._job_timeout)
            try:
                async with deadline:
                    await handler(ctx)
            except Exception:
                # One bad delivery must not take the worker down; the log has the delivery id.
                self._handlers_failed += 1
                if deadline.expired():
                    ctx.logger.error("handler %s timed out after %ss", name, self._job_timeout)
                else:
                    ctx.logger.exception("handler %s failed", name)
            else:
                self._handlers_ok += 1

    def _finish(self, ctx: EventContext) -> None:
        key = ctx.pr_key
        if key is not None:
            backlog = self._backlog.get(key)
            if backlog:
                self._ready.put_nowait(backlog.popleft())
            else:
                self._backlog.pop(key, None)
        self._unfinished -= 1
        if self._unfinished == 0:
            self._idle.set()
