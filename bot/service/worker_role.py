"""`panicscan serve --role worker`: one review worker process, started by `panicscan
serve` (bot/service/worker_pool.py), never by hand.

It claims and runs jobs from the store like any replica and answers no HTTP. Its
stdin is a pipe from the web process: a byte means a job was queued, end of file
means the web process is gone. Either that or SIGTERM stops it as gracefully as the
web process stops: running jobs get PANICSCAN_SHUTDOWN_TIMEOUT, the rest are released.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import BinaryIO

from bot.service.durable_queue import DurableQueue

_logger = logging.getLogger("panicscan.service.worker")
TICK_SECONDS = 1.0


class _Control(asyncio.Protocol):
    def __init__(self, wake: Callable[[], None], gone: Callable[[], None]) -> None:
        self._wake = wake
        self._gone = gone

    def data_received(self, data: bytes) -> None:
        self._wake()

    def eof_received(self) -> bool | None:
        _logger.warning("the web process is gone (stdin closed): stopping")
        self._gone()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone()


def lower_priority(increment: int) -> None:
    """Let the web process win the CPU: acks must not wait behind a scan."""
    if increment <= 0:
        return
    try:
        os.nice(increment)
    except OSError as exc:
        _logger.warning("cannot lower the worker's CPU priority: %s", exc)


async def run_worker(
    queue: DurableQueue,
    shutdown_timeout: float,
    *,
    control: BinaryIO | None = None,
    tick: Callable[[], None] | None = None,
) -> None:
    """Run `queue`'s workers until SIGTERM/SIGINT or end of file on `control`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError) as exc:
            _logger.warning("cannot handle %s: %s", sig.name, exc)
    transport: asyncio.BaseTransport | None = None
    source = control if control is not None else sys.stdin.buffer
    try:
        transport, _ = await loop.connect_read_pipe(lambda: _Control(queue.wake, stop.set), source)
    except (ValueError, OSError) as exc:  # not a pipe: nobody to watch
        _logger.warning("worker has no control pipe (%s); stops on SIGTERM only", exc)
    await queue.start()
    _logger.info("worker process ready (pid %d)", os.getpid())
    try:
        while not stop.is_set():
            if tick is not None:
                tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)
    finally:
        # Handlers stay installed until the queue has stopped: the web process passes
        # SIGTERM on, and a group-wide signal (systemd, Ctrl-C) arrives as well; the
        # second one must not kill a worker that is releasing its jobs.
        try:
            if transport is not None:
                transport.close()
            await queue.stop(shutdown_timeout)
            if tick is not None:
                tick()  # the last counts of this process
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
        _logger.info("worker process stopped")
