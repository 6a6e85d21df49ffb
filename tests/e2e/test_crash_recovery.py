"""kill -9 a real `panicscan serve` (SQLite) mid-flight: no accepted delivery is lost.

50 PR webhooks, all answered 202; the process dies with jobs running and queued;
a fresh process on the same database file finishes them. Every PR ends with exactly
one review and one completed check run, and no comment is posted twice.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_crash_support import Fleet, duplicate_comments, reviews_by_pr

PRS = 50


async def test_a_killed_process_loses_no_accepted_delivery(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'panicscan.db'}"
    async with Fleet.create() as fleet:
        prs = [fleet.open_demo_pr(f"crate{i}") for i in range(PRS)]
        # Each review takes a while, so the kill lands with jobs running and queued.
        fleet.double.inject("GET", r"/pulls/\d+/files", 0, times=10_000, delay=0.1)
        first = await fleet.start_bot(url, tmp_path / "bot.log")
        accepted = []
        for pr in prs:
            delivery, status = await fleet.deliver(first, pr)
            assert status == 202
            accepted.append(delivery)
        while len(fleet.double.reviews) < 8:
            await asyncio.sleep(0.02)
        await first.kill()
        reviewed_before_kill = len(fleet.double.reviews)
        assert reviewed_before_kill < PRS, "the kill came too late to test anything"

        second = await fleet.start_bot(url, tmp_path / "bot.log")
        for _ in range(400):
            done = [c for c in fleet.double.check_runs if c.status == "completed"]
            if len(done) >= PRS and len(fleet.double.reviews) >= PRS:
                break
            await asyncio.sleep(0.05)
        # Redeliveries of processed deliveries are answered 200 and not run again.
        for pr, delivery in list(zip(prs, accepted, strict=True))[:5]:
            assert (await fleet.deliver(second, pr, delivery_id=delivery))[1] == 200
        await asyncio.sleep(0.3)
        assert await second.terminate() == 0

        reviews = reviews_by_pr(fleet.double)
        assert {key: len(shas) for key, shas in reviews.items()} == {
            (pr.repo, pr.number): 1 for pr in prs
        }
        runs = fleet.double.check_runs
        assert sorted((r.repo, r.head_sha) for r in runs) == sorted(
            (pr.repo, pr.head_sha) for pr in prs
        )
        assert all(r.status == "completed" for r in runs)
        assert duplicate_comments(fleet.double) == []
