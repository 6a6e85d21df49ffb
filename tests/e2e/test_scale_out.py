"""Three `panicscan serve` processes on one PostgreSQL, one killed midway.

200 deliveries across 50 PRs, in bursts of pushes to the same PR, spread over the
processes as a load balancer would. Every PR's newest head gets exactly one
completed check run, no comment is posted twice, no job is lost, and no two jobs
of one PR ever run at the same time.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from pathlib import Path

from test_crash_support import Fleet, duplicate_comments

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
from test_store_support import fresh_database, pg_admin_url  # noqa: F401 - fixture

from bot.github.double import GitHubDouble
from bot.service.store import open_store

PRS = 50
PUSHES = 4


def overlapping_jobs(double: GitHubDouble) -> list[str]:
    """Repos where a check run was created while another of theirs was still open."""
    open_runs: dict[str, set[int]] = defaultdict(set)
    bad = []
    for r in double.requests:
        repo = r.path.split("/")[3] if r.path.startswith("/repos/") else ""
        if r.method == "POST" and r.route.endswith("/check-runs") and r.status == 201:
            if open_runs[repo]:
                bad.append(repo)
            open_runs[repo].add(int(r.response["id"]))
        elif (
            r.method == "PATCH"
            and "/check-runs/" in r.path
            and isinstance(r.body, dict)
            and r.body.get("status") == "completed"
        ):
            open_runs[repo].discard(int(r.path.rsplit("/", 1)[1]))
    return bad


async def test_three_replicas_share_the_work_and_survive_losing_one(
    pg_admin_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = fresh_database(pg_admin_url)
    async with Fleet.create() as fleet:
        bots = [
            await fleet.start_bot(url, tmp_path / f"bot{n}.log", PANICSCAN_WORKERS="3")
            for n in range(3)
        ]
        prs = [fleet.open_demo_pr(f"crate{i}") for i in range(PRS)]
        newest = {pr.repo: pr for pr in prs}
        alive = list(bots)
        # A review takes a while, so a burst's later pushes find the first one running.
        fleet.double.inject("GET", r"/pulls/\d+/files", 0, times=10_000, delay=0.05)
        sent = 0
        for i, opened in enumerate(prs):
            if i == PRS // 2:
                await alive.pop(0).kill()  # midway, with its jobs leased
            pr = opened
            for push in range(PUSHES):  # a burst of pushes to one PR
                if push:
                    pr = fleet.push(pr, f"push {push}")
                    newest[pr.repo] = pr
                _, status = await fleet.deliver(alive[(i + push) % len(alive)], pr)
                assert status == 202
                sent += 1
        assert sent == PRS * PUSHES

        def settled() -> bool:
            done = {
                (c.repo, c.head_sha) for c in fleet.double.check_runs if c.status == "completed"
            }
            return all((pr.repo, pr.head_sha) in done for pr in newest.values())

        for _ in range(600):
            if settled():
                break
            await asyncio.sleep(0.05)
        store = open_store(url)
        for _ in range(100):
            counts = store.job_counts()
            if counts["queued"] == counts["running"] == 0:
                break
            await asyncio.sleep(0.05)
        store.close()
        for bot in alive:
            assert await bot.terminate() == 0

        assert settled()
        assert counts["queued"] == counts["running"] == counts["dead"] == 0
        assert counts["done"] + counts["superseded"] == PRS * PUSHES
        assert counts["superseded"] > 0  # the bursts were coalesced
        per_head: dict[tuple[str, str], int] = defaultdict(int)
        for run in fleet.double.check_runs:
            per_head[(run.repo, run.head_sha)] += 1
            assert run.status == "completed"
        assert all(per_head[(pr.repo, pr.head_sha)] == 1 for pr in newest.values())
        assert duplicate_comments(fleet.double) == []
        assert {r.repo for r in fleet.double.reviews} == {pr.repo for pr in prs}
        assert overlapping_jobs(fleet.double) == []
