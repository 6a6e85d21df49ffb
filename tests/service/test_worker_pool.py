"""The worker-process supervisor on stand-in children: restarts, pokes, stopping."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry

from bot.service.worker_pool import WorkerPool, worker_env

# Reads one poke from stdin, then exits 3: a worker that dies on its first job.
DIES_ON_POKE = "import sys; sys.stdin.buffer.read(1); sys.exit(3)"
# Ignores SIGTERM: a worker stuck past the shutdown deadline.
STUCK = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
# Exits 0 on SIGTERM (Python's default handler is death by the signal, so set one).
POLITE = (
    "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); "
    "time.sleep(60)"
)


def pool(script: str, count: int = 1, **kw: float) -> tuple[WorkerPool, CollectorRegistry]:
    registry = CollectorRegistry()
    argv = (sys.executable, "-c", script)
    return WorkerPool(count, env={}, registry=registry, argv=argv, **kw), registry


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_dead_worker_is_started_again_and_counted() -> None:
    workers, registry = pool(DIES_ON_POKE, restart_delay=0.05)
    await workers.start()
    await eventually(lambda: workers.alive == 1)
    first = workers.pids
    workers.poke()  # it reads the byte and dies
    await eventually(lambda: workers.alive == 1 and workers.pids != first)
    assert registry.get_sample_value("panicscan_worker_restarts_total") == 1
    assert registry.get_sample_value("panicscan_worker_processes") == 1
    assert workers.status() == {"running": 1, "wanted": 1}
    await workers.stop(1.0)
    assert workers.alive == 0


async def test_stop_waits_for_polite_workers_and_kills_stuck_ones() -> None:
    polite, _ = pool(POLITE, count=2)
    await polite.start()
    await eventually(lambda: polite.alive == 2)
    await asyncio.sleep(0.3)  # let the children install their handler
    started = time.monotonic()
    await polite.stop(5.0)
    assert time.monotonic() - started < 3.0  # they left at once, nobody waited out 5 s
    assert polite.alive == 0

    stuck, registry = pool(STUCK, grace=0.2)
    await stuck.start()
    await eventually(lambda: stuck.alive == 1)
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await stuck.stop(0.3)
    assert 0.4 < time.monotonic() - started < 3.0  # timeout + grace, then SIGKILL
    assert stuck.alive == 0
    assert registry.get_sample_value("panicscan_worker_restarts_total") == 0  # stopping


async def test_pokes_to_a_worker_that_reads_nothing_are_dropped_not_buffered() -> None:
    workers, _ = pool(STUCK)
    await workers.start()
    await eventually(lambda: workers.alive == 1)
    for _ in range(100_000):
        workers.poke()  # never blocks, and memory stays bounded
    await workers.stop(0.1)


def test_workers_write_their_metrics_where_the_web_process_reads_them() -> None:
    env = worker_env({"PATH": "/bin", "prometheus_multiproc_dir": "/old"}, "/tmp/m")
    assert env == {"PATH": "/bin", "PROMETHEUS_MULTIPROC_DIR": "/tmp/m"}
