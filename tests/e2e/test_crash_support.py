"""Real `panicscan serve` processes against the GitHub double in the test process.

The double's state lives here, so the subprocess gets PANICSCAN_GITHUB_URL pointing
at it over loopback; deliveries are signed exactly as GitHub signs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.github.double import GitHubDouble
from bot.github.double_state import PullRequestState
from bot.github.double_webhooks import pull_request_event
from bot.report.comment import parse_marker
from bot.service.signature import sign

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "demo"
APP_ID = 4242
INSTALLATION_ID = 7
SECRET = "crash-test-secret"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Fleet:
    """The double plus everything a bot process needs to talk to it."""

    double: GitHubDouble
    private_key_pem: str
    github_url: str = ""
    session: aiohttp.ClientSession | None = None
    processes: list[BotProcess] = field(default_factory=list)

    @classmethod
    def create(cls) -> Fleet:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        double = GitHubDouble(APP_ID, public)
        double.add_installation(INSTALLATION_ID, "acme")
        return cls(double, pem)

    async def __aenter__(self) -> Fleet:
        self.github_url = await self.double.start()
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for proc in self.processes:
            await proc.kill()
        if self.session is not None:
            await self.session.close()
        await self.double.stop()

    def open_demo_pr(self, repo: str) -> PullRequestState:
        return self.double.conversation.open_pull_request(
            "acme", repo, base=tree(EXAMPLE / "base"), head=tree(EXAMPLE / "head")
        )

    def push(self, pr: PullRequestState, salt: str) -> PullRequestState:
        """A new head with the same findings (only a text file differs)."""
        head = {**tree(EXAMPLE / "head"), "NOTES.txt": salt.encode()}
        return self.double.conversation.push(pr.owner, pr.repo, pr.number, head)

    async def start_bot(self, database_url: str, log: Path | None = None, **env: str) -> BotProcess:
        if log is not None:  # the worker processes' metrics files, left behind by kill -9
            env = {"TMPDIR": str(log.parent), **env}
        proc = BotProcess(self, database_url, env, log)
        await proc.start()
        self.processes.append(proc)
        return proc

    async def deliver(
        self, bot: BotProcess, pr: PullRequestState, *, delivery_id: str | None = None
    ) -> tuple[str, int]:
        payload = pull_request_event(self.github_url, pr, "synchronize", INSTALLATION_ID)
        delivery = delivery_id or str(uuid.uuid4())
        status = await post_delivery(self.session, bot.url, "pull_request", delivery, payload)
        return delivery, status


async def post_delivery(
    session: aiohttp.ClientSession | None,
    url: str,
    event: str,
    delivery: str,
    payload: Mapping[str, Any],
) -> int:
    assert session is not None
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
    }
    try:
        async with session.post(f"{url}/webhook", data=body, headers=headers) as r:
            return r.status
    except aiohttp.ClientError:
        return 0  # the process is gone: GitHub would record a failed delivery


class BotProcess:
    def __init__(
        self, fleet: Fleet, database_url: str, env: Mapping[str, str], log: Path | None
    ) -> None:
        self._log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {
            **os.environ,
            "PANICSCAN_APP_ID": str(APP_ID),
            "PANICSCAN_PRIVATE_KEY": fleet.private_key_pem,
            "PANICSCAN_WEBHOOK_SECRET": SECRET,
            "PANICSCAN_GITHUB_URL": fleet.github_url,
            "PANICSCAN_PORT": str(self.port),
            "PANICSCAN_DATABASE_URL": database_url,
            "PANICSCAN_WORKERS": "4",
            "PANICSCAN_JOB_LEASE_SECONDS": "2",
            "PANICSCAN_RETRY_BACKOFF_SECONDS": "0.1",
            "PANICSCAN_LOG_LEVEL": "INFO",
            "PANICSCAN_GITHUB_WRITES_PER_MINUTE": "0",
            **env,
        }
        self._fleet = fleet
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 20.0) -> None:
        # The log file outlives the process: a failing test shows what the bot saw.
        log = open(self._log, "ab") if self._log else None  # noqa: SIM115
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            env=self._env,
            cwd=str(REPO_ROOT),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log or asyncio.subprocess.DEVNULL,
            # Its own process group: `kill` takes the review worker processes with it.
            start_new_session=True,
        )
        if log is not None:
            log.close()
        deadline = time.monotonic() + timeout
        assert self._fleet.session is not None
        while time.monotonic() < deadline:
            if self.proc.returncode is not None:
                raise RuntimeError(f"panicscan serve exited with {self.proc.returncode}")
            try:
                async with self._fleet.session.get(f"{self.url}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass  # not listening yet
            await asyncio.sleep(0.05)
        raise TimeoutError("panicscan serve did not become ready")

    async def kill(self) -> None:
        """kill -9 of the whole replica (web and worker processes): no shutdown code runs."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()

    def workers(self) -> list[int]:
        """The pids of this bot's review worker processes (its children, from /proc)."""
        assert self.proc is not None
        return child_pids(self.proc.pid)

    async def terminate(
        self, timeout: float = 20.0, *, group: bool = False, sig: int = signal.SIGTERM
    ) -> int:
        """Signal the web process, or with `group` every process of the replica at once
        (what systemd's default KillMode, `timeout` and Ctrl-C do)."""
        assert self.proc is not None
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout)


def child_pids(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def reviews_by_pr(double: GitHubDouble) -> dict[tuple[str, int], list[str]]:
    """Per PR, the head sha of every review posted."""
    found: dict[tuple[str, int], list[str]] = {}
    for review in double.reviews:
        found.setdefault((review.repo, review.number), []).append(review.commit_id)
    return found


def duplicate_comments(double: GitHubDouble) -> list[tuple[str, int, str]]:
    seen: set[tuple[str, int, str]] = set()
    dupes = []
    for comment in double.review_comments:
        marker = parse_marker(comment.body)
        key = (comment.repo, comment.number, str(marker))
        if key in seen:
            dupes.append(key)
        seen.add(key)
    return dupes


def test_duplicate_comments_are_detected_by_marker() -> None:
    assert duplicate_comments(Fleet.create().double) == []
