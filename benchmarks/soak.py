"""Soak: minutes of mixed webhook traffic with injected GitHub faults.

    .venv/bin/python -m benchmarks.soak --minutes 10 --fault-rate 0.05

The real bot and the GitHub double on loopback. Deliveries are a mix of
pull_request.opened on PRs with findings, PRs without, unknown events, and
malformed bodies; `fault-rate` of all GitHub requests fail (500/502/503, reset
connections, secondary rate limits). Every 30 s it samples the process's RSS.
Prints deliveries accepted vs jobs processed (must be equal), check runs left
in progress (must be 0), and the RSS per sample with its trend (first-half vs
second-half median, as a ratio: ~1.0 means no growth).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import time
from pathlib import Path

from bot.github.double_faults import RESET
from bot.github.double_webhooks import pull_request_event
from bot.github.retry import RetryPolicy
from bot.stack import LoopbackStack

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo"
SAMPLE_EVERY = 30.0
# Ten installations, each with its own budget and write pacing, as in production.
INSTALLATIONS = tuple(range(100, 110))
CLEAN = {"src/lib.rs": b"pub fn add(a: u32, b: u32) -> Option<u32> { a.checked_add(b) }\n"}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _rss_mb() -> float:
    """Current RSS from /proc (Linux), else peak RSS from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def soak(minutes: float, fault_rate: float, seed: int, interval: float) -> dict[str, object]:
    rng = random.Random(seed)
    base, head = _tree(EXAMPLE / "base"), _tree(EXAMPLE / "head")
    counts = {"review": 0, "clean": 0, "unknown": 0, "malformed": 0, "accepted": 0}
    samples: list[float] = []
    async with LoopbackStack() as stack:
        # Production retry shape, shorter waits so a soak minute holds many jobs.
        stack.factory.policy = RetryPolicy(base_delay=0.05, max_delay=0.5)
        stack.double.chaos(fault_rate, (500, 502, 503, RESET, 429), seed=seed)
        for inst in INSTALLATIONS:
            stack.double.add_installation(inst, f"org{inst}")
        deadline = time.monotonic() + minutes * 60
        next_sample = time.monotonic()
        n = 0
        while time.monotonic() < deadline:
            n += 1
            kind = rng.choices(["review", "clean", "unknown", "malformed"], [6, 2, 1, 1])[0]
            counts[kind] += 1
            if kind in ("review", "clean"):
                inst = INSTALLATIONS[n % len(INSTALLATIONS)]
                pr = stack.double.open_pull_request(
                    f"org{inst}",
                    f"r{n}",
                    base=base if kind == "review" else {},
                    head=head if kind == "review" else CLEAN,
                )
                payload = pull_request_event(stack.github_url, pr, "opened", inst)
                delivery = await stack.deliver("pull_request", payload)
                counts["accepted"] += delivery.status == 202
            elif kind == "unknown":
                await stack.deliver("star", {"action": "created"})
            else:
                await stack.deliver("pull_request", {"action": "opened", "pull_request": None})
            if time.monotonic() >= next_sample:
                samples.append(_rss_mb())
                next_sample += SAMPLE_EVERY
            await asyncio.sleep(interval)  # a steady arrival rate the App can keep up with
        settled = await stack.settle(120)
        samples.append(_rss_mb())
        runs = stack.double.check_runs
        result: dict[str, object] = {
            "minutes": minutes,
            "fault_rate": fault_rate,
            "deliveries": counts,
            "accepted_reviews": counts["accepted"],
            "check_runs": len(runs),
            "in_progress": sum(1 for r in runs if r.status != "completed"),
            "conclusions": {
                c: sum(1 for r in runs if r.conclusion == c) for c in {r.conclusion for r in runs}
            },
            "faults_injected": stack.double.faults.injected,
            "github_requests": len(stack.double.requests),
            "settled": settled,
            "rss_mb": [round(s, 1) for s in samples],
        }
    half = max(len(samples) // 2, 1)
    result["rss_trend"] = round(
        statistics.median(samples[half:]) / statistics.median(samples[:half]), 3
    )
    result["processed_equals_accepted"] = result["check_runs"] == counts["accepted"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between deliveries")
    args = parser.parse_args()
    result = asyncio.run(soak(args.minutes, args.fault_rate, args.seed, args.interval))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
