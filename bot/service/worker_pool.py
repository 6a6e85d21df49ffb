"""Review worker processes: `panicscan serve` starts them, restarts a dead one and
stops them on shutdown, so that its own event loop (and GIL) only verifies, stores
and acks webhooks.

The workers claim jobs from the store like any replica; nothing passes between the
processes but a byte on each worker's stdin after an accept (a job is waiting: look
now, not at the next poll). End of file on that pipe tells a worker that the web
process is gone. A job whose worker died comes back when its lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from bot.service.durable_queue import DurableQueue
from bot.service.events import EventContext

_logger = logging.getLogger("panicscan.service.workers")

WORKER_ARGV: tuple[str, ...] = (sys.executable, "-m", "bot.cli", "serve", "--role", "worker")
MIN_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
HEALTHY_RUN_SECONDS = 60.0  # a worker that ran this long starts its restart delay afresh
STOP_GRACE_SECONDS = 3.0  # past the shutdown timeout: time to release jobs and exit
_POKE_BUFFER_LIMIT = 4096  # a worker that reads nothing gets no more pokes queued


class WorkerPool:
    """`count` child processes running `argv`, each restarted when it dies."""

    def __init__(
        self,
        count: int,
        *,
        env: Mapping[str, str],
        registry: CollectorRegistry,
        argv: Sequence[str] = WORKER_ARGV,
        grace: float = STOP_GRACE_SECONDS,
        restart_delay: float = MIN_RESTART_DELAY,
    ) -> None:
        if count < 1:
            raise ValueError("a worker pool needs at least one process")
        self._count = count
        self._env = dict(env)
        self._argv = tuple(argv)
        self._grace = grace
        self._restart_delay = restart_delay
        self._procs: dict[int, asyncio.subprocess.Process] = {}
        self._slots: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._alive = Gauge(
            "panicscan_worker_processes",
            "Review worker processes running (PANICSCAN_WORKER_PROCESSES wanted)",
            registry=registry,
        )
        self._restarts = Counter(
            "panicscan_worker_restarts",
            "Review worker processes that died and were started again",
            registry=registry,
        )

    @property
    def alive(self) -> int:
        return sum(1 for p in self._procs.values() if p.returncode is None)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs.values() if p.returncode is None]

    def status(self) -> dict[str, int]:
        return {"running": self.alive, "wanted": self._count}

    async def start(self) -> None:
        if self._slots:
            return
        self._slots = [
            asyncio.create_task(self._keep(slot), name=f"panicscan-worker-process-{slot}")
            for slot in range(self._count)
        ]

    def poke(self) -> None:
        """Tell every worker a job is waiting (never blocks; a full pipe drops the poke)."""
        for proc in self._procs.values():
            pipe = proc.stdin
            if pipe is None or proc.returncode is not None or pipe.is_closing():
                continue
            if pipe.transport.get_write_buffer_size() < _POKE_BUFFER_LIMIT:
                pipe.write(b".")

    async def stop(self, timeout: float) -> None:
        """SIGTERM every worker; they finish or release their jobs within `timeout`
        (their own PANICSCAN_SHUTDOWN_TIMEOUT); one still running after that is killed."""
        self._stopping.set()
        for proc in list(self._procs.values()):
            _signal(proc, signal.SIGTERM)
        if not self._slots:
            return
        _, late = await asyncio.wait(self._slots, timeout=timeout + self._grace)
        if late:
            for proc in list(self._procs.values()):
                _logger.warning("worker process %d did not stop in time: killing it", proc.pid)
                _signal(proc, signal.SIGKILL)
            await asyncio.gather(*late, return_exceptions=True)
        self._slots = []

    async def _keep(self, slot: int) -> None:
        """Run one worker process; start it again whenever it dies, until stopped."""
        delay = self._restart_delay
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                proc = await asyncio.create_subprocess_exec(
                    *self._argv, stdin=asyncio.subprocess.PIPE, env=self._env
                )
            except OSError as exc:
                _logger.error("cannot start worker process %d: %s", slot, exc)
            else:
                self._procs[slot] = proc
                self._alive.set(self.alive)
                _logger.info("worker process %d started (pid %d)", slot, proc.pid)
                if self._stopping.is_set():  # stop() ran while this one was starting
                    _signal(proc, signal.SIGTERM)
                code = await proc.wait()
                self._alive.set(self.alive)
                if proc.stdin is not None:
                    proc.stdin.close()
                if self._stopping.is_set():
                    _logger.info("worker process %d (pid %d) stopped: %s", slot, proc.pid, code)
                    return
                _logger.error(
                    "worker process %d (pid %d) exited with status %s; its jobs return to "
                    "the queue when their leases run out",
                    slot,
                    proc.pid,
                    code,
                )
                self._restarts.inc()
            if time.monotonic() - started > HEALTHY_RUN_SECONDS:
                delay = self._restart_delay
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(MAX_RESTART_DELAY, delay * 2)


def _signal(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it exited a moment ago
            proc.send_signal(sig)


class PooledQueue:
    """The web process's queue when worker processes run the jobs: it only stores
    (and keeps the store tidy); each accept pokes the workers."""

    def __init__(self, queue: DurableQueue, pool: WorkerPool) -> None:
        self._queue = queue
        self._pool = pool

    @property
    def pool(self) -> WorkerPool:
        return self._pool

    async def start(self) -> None:
        await self._queue.start()  # migrations first: the workers expect the schema
        await self._pool.start()

    async def submit(self, ctx: EventContext) -> None:
        await self._queue.submit(ctx)
        self._pool.poke()

    async def drain(self, timeout: float) -> bool:
        return await self._queue.drain(timeout)

    async def stop(self, timeout: float) -> None:
        await self._pool.stop(timeout)
        await self._queue.stop(timeout)

    def worker_status(self) -> dict[str, int]:
        return self._pool.status()


def worker_env(base: Mapping[str, str], metrics_dir: str) -> dict[str, str]:
    """The workers' environment: the web process's own, plus where they write metrics."""
    env = dict(base)
    env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    env.pop("prometheus_multiproc_dir", None)  # the deprecated spelling would win a warning
    return env
