"""`panicscan serve` with review worker processes (PANICSCAN_WORKER_PROCESSES).

A worker killed mid-job is started again and the job finishes (once its lease runs
out); SIGTERM stops the workers with the web process, which exits 0; a web process
killed on its own does not leave its workers running; /readyz and /metrics show
what the workers did. SIGTERM with a job stuck on GitHub releases it to the queue.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from test_crash_support import BotProcess, Fleet, duplicate_comments, reviews_by_pr

from bot.service.store_sqlite import SqliteStore


async def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # exited; only its reaping is left


async def scrape(fleet: Fleet, bot: BotProcess, path: str) -> str:
    assert fleet.session is not None
    async with fleet.session.get(bot.url + path) as r:
        assert r.status == 200
        return await r.text()


async def test_a_killed_worker_is_restarted_and_its_job_finishes(tmp_path: Path) -> None:
    async with Fleet.create() as fleet:
        pr = fleet.open_demo_pr("crate")
        # The first attempt stalls on the PR's files, so the kill lands mid-job.
        fleet.double.inject("GET", r"/pulls/\d+/files", 0, times=1, delay=5.0)
        bot = await fleet.start_bot(
            f"sqlite:///{tmp_path / 'panicscan.db'}",
            tmp_path / "bot.log",
            PANICSCAN_WORKER_PROCESSES="1",
        )
        await eventually(lambda: len(bot.workers()) == 1)
        [first] = bot.workers()
        assert (await fleet.deliver(bot, pr))[1] == 202
        await eventually(lambda: len(fleet.double.check_runs) == 1)  # the job is running
        os.kill(first, signal.SIGKILL)

        await eventually(lambda: len(bot.workers()) == 1 and bot.workers() != [first])
        # The web process kept answering meanwhile.
        other = fleet.open_demo_pr("other")
        assert (await fleet.deliver(bot, other))[1] == 202
        await eventually(lambda: sum(c.status == "completed" for c in fleet.double.check_runs) == 2)

        assert {k: len(v) for k, v in reviews_by_pr(fleet.double).items()} == {
            (pr.repo, pr.number): 1,
            (other.repo, other.number): 1,
        }
        assert len(fleet.double.check_runs) == 2  # the retry completed the first run
        assert duplicate_comments(fleet.double) == []
        ready = await scrape(fleet, bot, "/readyz")
        assert '"workers": {"running": 1, "wanted": 1}' in ready
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(await scrape(fleet, bot, "/metrics"))
            for s in family.samples
        }
        assert samples[("panicscan_worker_restarts_total", ())] == 1
        assert samples[("panicscan_worker_processes", ())] == 1
        # Counted by the worker processes, the dead one included, served by the web one.
        assert samples[("panicscan_job_outcomes_total", (("outcome", "done"),))] == 2
        accepted = (("event", "pull_request"), ("outcome", "accepted"))
        assert samples[("panicscan_deliveries_total", accepted)] == 2
        assert samples[("panicscan_jobs", (("status", "done"),))] == 2

        workers = bot.workers()
        assert await bot.terminate() == 0
        assert all(gone(pid) for pid in workers)


async def test_workers_stop_by_themselves_when_the_web_process_dies(tmp_path: Path) -> None:
    async with Fleet.create() as fleet:
        bot = await fleet.start_bot(
            f"sqlite:///{tmp_path / 'panicscan.db'}",
            tmp_path / "bot.log",
            PANICSCAN_WORKER_PROCESSES="2",
        )
        await eventually(lambda: len(bot.workers()) == 2)
        workers = bot.workers()
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGKILL)  # the web process alone
        await bot.proc.wait()
        await eventually(lambda: all(gone(pid) for pid in workers), timeout=15)


async def _running_a_stalled_job(
    fleet: Fleet, tmp_path: Path, *, stall: float, shutdown: int
) -> BotProcess:
    """A bot (SQLite in tmp_path, one worker process) whose one job waits `stall` s on
    the PR's files, returned once that job is running."""
    pr = fleet.open_demo_pr("crate")
    fleet.double.inject("GET", r"/pulls/\d+/files", 0, times=1, delay=stall)
    bot = await fleet.start_bot(
        f"sqlite:///{tmp_path / 'panicscan.db'}",
        tmp_path / "bot.log",
        PANICSCAN_WORKER_PROCESSES="1",
        PANICSCAN_SHUTDOWN_TIMEOUT=str(shutdown),
        PANICSCAN_JOB_LEASE_SECONDS="60",
    )
    await eventually(lambda: len(bot.workers()) == 1)
    assert (await fleet.deliver(bot, pr))[1] == 202
    await eventually(lambda: len(fleet.double.check_runs) == 1)  # running, and stalled
    return bot


async def test_sigterm_releases_a_stuck_job_and_exits_0_within_the_deadline(
    tmp_path: Path,
) -> None:
    db = tmp_path / "panicscan.db"
    async with Fleet.create() as fleet:
        bot = await _running_a_stalled_job(fleet, tmp_path, stall=30.0, shutdown=1)
        workers = bot.workers()
        started = time.monotonic()
        assert await bot.terminate() == 0
        assert time.monotonic() - started < 1 + 3 + 2  # timeout + grace + start-up slack
        assert all(gone(pid) for pid in workers)

    store = SqliteStore(str(db))
    try:
        # Released without spending an attempt: the next process runs it at once.
        assert store.job_counts()["queued"] == 1
        job = store.claim(time.time(), 60.0)
        assert job is not None and job.attempts == 1
    finally:
        store.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
async def test_a_signal_to_the_whole_process_group_lets_the_running_job_finish(
    tmp_path: Path, sig: int
) -> None:
    """systemd's default KillMode, `timeout` and Ctrl-C signal every process at once; the
    web process then passes SIGTERM on, so the worker sees a second one mid-shutdown."""
    db = tmp_path / "panicscan.db"
    async with Fleet.create() as fleet:
        bot = await _running_a_stalled_job(fleet, tmp_path, stall=3.0, shutdown=10)
        assert await bot.terminate(group=True, sig=sig, timeout=30) == 0
        [run] = fleet.double.check_runs
        assert run.status == "completed", "the job finished instead of being killed"
    store = SqliteStore(str(db))
    try:
        counts = store.job_counts()
        assert (counts["running"], counts["done"]) == (0, 1)
    finally:
        store.close()
