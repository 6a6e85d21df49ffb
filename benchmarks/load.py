"""Load on one `panicscan serve` process: ack latency, throughput, API calls, end-to-end time.

    .venv/bin/python -m benchmarks.load [--pg DSN] [--seconds 3] [--rates 50,100,200,400]
                                        [--worker-processes N]

The bot runs as a real subprocess (`panicscan serve`, with N review worker processes;
0 runs the reviews in the web process); this process holds the GitHub double (adding
`--api-delay` seconds to every call, like a real API round trip). The open-loop load
generator runs in a process of its own, so that the double's work never delays a send
or the reading of an ack: it sends pre-signed deliveries over loopback at each rate.
Reported per backend (SQLite always; PostgreSQL with --pg or PANICSCAN_TEST_DATABASE_URL):

- ack p50/p99 in ms and as a ratio to GET /healthz measured in the same run (the
  ratio is what to compare across machines), and the achieved send rate;
- reviews completed per second while the step ran, and the queue left at its end;
  the sustained rate is the highest step whose queue did not grow;
- GitHub API calls per PR event, from the double's request log;
- delivery-to-review time, one PR at a time, with the per-call delay.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.github.double import GitHubDouble
from bot.github.double_state import PullRequestState
from bot.github.double_webhooks import pull_request_event
from bot.service.signature import sign

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "demo"
APP_ID, INSTALLATION, SECRET = 4242, 7, "load-secret"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


Request = tuple[bytes, dict[str, str]]


def _signed(payload: dict[str, Any]) -> Request:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
    }
    return body, headers


def send_open_loop(url: str, rate: float, requests: list[Request]) -> tuple[list[float], float]:
    """In the sender process: POST `requests` on schedule; each ack's latency in ms,
    and the seconds from the first send to the last ack."""
    return asyncio.run(_send_open_loop(url, rate, requests))


async def _send_open_loop(
    url: str, rate: float, requests: list[Request]
) -> tuple[list[float], float]:
    async def one(session: aiohttp.ClientSession, body: bytes, headers: dict[str, str]) -> float:
        started = time.perf_counter()
        async with session.post(f"{url}/webhook", data=body, headers=headers) as r:
            await r.read()
            if r.status != 202:
                raise RuntimeError(f"delivery answered {r.status}")
        return (time.perf_counter() - started) * 1000

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as session:
        tasks = []
        started = time.perf_counter()
        for i, (body, headers) in enumerate(requests):
            # Open loop: send on schedule whatever the replies do, as GitHub does.
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, body, headers)))
        acks = list(await asyncio.gather(*tasks))
        return acks, time.perf_counter() - started


class Bench:
    def __init__(self, api_delay: float, worker_processes: int = 1) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.double = GitHubDouble(APP_ID, public)
        self.double.add_installation(INSTALLATION, "acme")
        self.api_delay = api_delay
        self.worker_processes = worker_processes
        self.tmpdir = tempfile.gettempdir()
        self.sender = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn")
        )
        self.base, self.head = _tree(EXAMPLE / "base"), _tree(EXAMPLE / "head")
        self.github_url = ""
        self.session: aiohttp.ClientSession | None = None
        self._count = 0

    def new_pr(self, repo: str | None = None) -> PullRequestState:
        """A PR in a new repository, or another PR of `repo` (its configs then cached)."""
        self._count += 1
        name = repo or f"repo{self._count}"
        return self.double.open_pull_request("acme", name, base=self.base, head=self.head)

    async def start_bot(self, database_url: str, port: int) -> asyncio.subprocess.Process:
        env = {
            **os.environ,
            "PANICSCAN_APP_ID": str(APP_ID),
            "PANICSCAN_PRIVATE_KEY": self.pem,
            "PANICSCAN_WEBHOOK_SECRET": SECRET,
            "PANICSCAN_GITHUB_URL": self.github_url,
            "PANICSCAN_PORT": str(port),
            "PANICSCAN_DATABASE_URL": database_url,
            "PANICSCAN_WORKERS": "8",
            "PANICSCAN_WORKER_PROCESSES": str(self.worker_processes),
            "TMPDIR": self.tmpdir,  # its metrics files: the bot is killed, not stopped
            "PANICSCAN_LOG_LEVEL": "ERROR",
            "PANICSCAN_GITHUB_WRITES_PER_MINUTE": "0",
        }
        # A session of its own: the end of a run kills the bot with its worker processes.
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", env=env, cwd=str(ROOT), start_new_session=True
        )
        assert self.session is not None
        for _ in range(400):
            try:
                async with self.session.get(f"http://127.0.0.1:{port}/readyz") as r:
                    if r.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass  # still starting
            await asyncio.sleep(0.05)
        raise RuntimeError("bot did not become ready")

    def request(self, pr: PullRequestState) -> Request:
        return _signed(pull_request_event(self.github_url, pr, "opened", INSTALLATION))

    async def post(self, url: str, pr: PullRequestState) -> float:
        body, headers = self.request(pr)
        assert self.session is not None
        started = time.perf_counter()
        async with self.session.post(f"{url}/webhook", data=body, headers=headers) as r:
            await r.read()
            if r.status != 202:
                raise RuntimeError(f"delivery answered {r.status}")
        return (time.perf_counter() - started) * 1000

    async def healthz_ms(self, url: str, n: int = 200) -> float:
        assert self.session is not None
        times = []
        for _ in range(n):
            started = time.perf_counter()
            async with self.session.get(f"{url}/healthz") as r:
                await r.read()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    def completed(self) -> int:
        return sum(1 for c in self.double.check_runs if c.status == "completed")


async def _step(bench: Bench, url: str, rate: float, seconds: float) -> dict[str, Any]:
    prs = [bench.new_pr() for _ in range(int(rate * seconds))]
    requests = [bench.request(pr) for pr in prs]  # signed before the clock starts
    done_before = bench.completed()
    queued_before = len(bench.double.check_runs) - done_before
    acks, elapsed = await asyncio.get_running_loop().run_in_executor(
        bench.sender, send_open_loop, url, rate, requests
    )
    # /healthz under the same load: what the event loops (bot and generator) add alone.
    probe = await bench.healthz_ms(url, n=20)
    done = bench.completed() - done_before
    backlog = len(prs) - done
    return {
        "rate": rate,
        "sent_per_s": round(len(prs) / elapsed, 1),
        "ack_p50_ms": round(_pct(acks, 0.50), 2),
        "ack_p99_ms": round(_pct(acks, 0.99), 2),
        "healthz_under_load_ms": round(probe, 2),
        "reviews_per_s": round(done / elapsed, 1),
        "backlog_at_end": backlog,
        "backlog_grew": backlog > max(queued_before, 0) + rate * 0.5,
    }


async def _settle(bench: Bench, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while bench.completed() < target and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def _one_review(
    bench: Bench, url: str, pr: PullRequestState
) -> tuple[int, float, Counter[str]]:
    """API calls and delivery-to-review ms of one PR event, reviewed alone."""
    before = len(bench.double.requests)
    reviews = len(bench.double.reviews)
    started = time.perf_counter()
    await bench.post(url, pr)
    while len(bench.double.reviews) == reviews:
        await asyncio.sleep(0.005)
    elapsed = (time.perf_counter() - started) * 1000
    await _settle(bench, bench.completed() + 1, 10)
    await asyncio.sleep(0.05)
    calls = bench.double.requests[before:]
    return len(calls), elapsed, Counter(f"{r.method} {r.route}" for r in calls)


async def _calls_and_latency(bench: Bench, url: str, n: int = 10) -> dict[str, Any]:
    """Each round: a PR in a new repository (its config files are read), then another
    PR of the same repository (they are cached until a push to its default branch)."""
    first: list[int] = []
    later: list[int] = []
    e2e: list[float] = []
    routes: Counter[str] = Counter()
    for _ in range(n):
        pr = bench.new_pr()
        calls, elapsed, _ = await _one_review(bench, url, pr)
        first.append(calls)
        e2e.append(elapsed)
        calls, elapsed, routes = await _one_review(bench, url, bench.new_pr(pr.repo))
        later.append(calls)
        e2e.append(elapsed)
    return {
        "api_calls_per_pr_event": statistics.median(later),
        "api_calls_first_event_of_a_repo": statistics.median(first),
        "calls_of_last_event": dict(routes),
        "delivery_to_review_ms_p50": round(statistics.median(e2e), 1),
        "delivery_to_review_ms_max": round(max(e2e), 1),
    }


async def run_backend(
    bench: Bench, name: str, database_url: str, rates: list[float], seconds: float
) -> dict[str, Any]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await bench.start_bot(database_url, port)
    url = f"http://127.0.0.1:{port}"
    try:
        if bench.api_delay:
            for method in ("GET", "POST", "PATCH"):
                bench.double.inject(method, r".*", 0, times=10_000_000, delay=bench.api_delay)
        # The calm phase first: one PR at a time (its blobs cached after the first).
        calm = await _calls_and_latency(bench, url)
        baseline = await bench.healthz_ms(url)
        steps = []
        for rate in rates:
            step = await _step(bench, url, rate, seconds)
            step["ack_p99_vs_healthz"] = round(step["ack_p99_ms"] / baseline, 1)
            steps.append(step)
            await _settle(bench, len(bench.double.check_runs), 60)  # drain between steps
        sustained = max((s["rate"] for s in steps if not s["backlog_grew"]), default=0)
        # Acks alone: GitHub stalls every call for 30 s, so no review competes for CPU.
        bench.double.faults.clear()
        for method in ("GET", "POST", "PATCH"):
            bench.double.inject(method, r".*", 0, times=10_000_000, delay=30.0)
        keep = ("rate", "sent_per_s", "ack_p50_ms", "ack_p99_ms")
        acks_only = []
        for rate in rates:
            step = await _step(bench, url, rate, seconds)
            acks_only.append({k: step[k] for k in keep})
        return {
            "backend": name,
            "healthz_p50_ms": round(baseline, 2),
            **calm,
            "steps": steps,
            "sustained_rate_per_s": sustained,
            "acks_only": acks_only,
        }
    finally:
        bench.double.faults.clear()
        os.killpg(proc.pid, signal.SIGKILL)  # stalled jobs stay in the throwaway database
        await proc.wait()


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("PANICSCAN_TEST_DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rates", default="50,100,200,400")
    parser.add_argument("--api-delay", type=float, default=0.02)
    parser.add_argument("--worker-processes", type=int, default=1)
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    bench = Bench(args.api_delay, args.worker_processes)
    # Start the sender process now: its start-up must not fall into a timed step.
    bench.sender.submit(int).result()
    bench.github_url = await bench.double.start()
    bench.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench.tmpdir = tmp
            results.append(
                await run_backend(bench, "sqlite", f"sqlite:///{tmp}/load.db", rates, args.seconds)
            )
            if args.pg:
                import psycopg

                name = "load_" + uuid.uuid4().hex[:8]
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                url = args.pg.rsplit("/", 1)[0] + "/" + name
                results.append(await run_backend(bench, "postgresql", url, rates, args.seconds))
    finally:
        await bench.session.close()
        await bench.double.stop()
        bench.sender.shutdown()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
