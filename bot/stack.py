"""The whole App on loopback: the local GitHub double plus the real bot server.

Used by `panicscan demo`, the end-to-end tests and the benchmarks, so that all
three exercise exactly the production wiring (settings, auth, PyGithub, aiohttp).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.core.scan import DEFAULT_OPTIONS, ScanOptions
from bot.github.client import PyGithubFactory
from bot.github.double import GitHubDouble
from bot.github.double_state import PullRequestState
from bot.github.double_webhooks import pull_request_event
from bot.rulefiles import load_rules
from bot.service.app import build_app
from bot.service.handlers.pull_request import PullRequestReviewer
from bot.service.queue import JobQueue
from bot.service.settings import Settings
from bot.service.signature import sign
from bot.service.wiring import build_router

APP_ID = 4242
INSTALLATION_ID = 7


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    status: int
    body: str


class LoopbackStack:
    """Start with `async with LoopbackStack() as stack:`; everything listens on 127.0.0.1."""

    def __init__(self, *, workers: int = 2, options: ScanOptions = DEFAULT_OPTIONS) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.webhook_secret = secrets.token_hex(16)
        self.double = GitHubDouble(APP_ID, public_pem)
        self.double.add_installation(INSTALLATION_ID, "acme")
        self._workers = workers
        self._options = options
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.queue: JobQueue | None = None
        self.bot_url = ""
        self.github_url = ""

    async def __aenter__(self) -> LoopbackStack:
        self.github_url = await self.double.start()
        settings = Settings(
            app_id=APP_ID,
            webhook_secret=self.webhook_secret,
            private_key=self.private_key_pem.decode(),
            github_url=self.github_url,
            port=0,
            workers=self._workers,
        )
        factory = PyGithubFactory(APP_ID, self.private_key_pem, self.github_url)
        reviewer = PullRequestReviewer(factory, load_rules(), self._options)
        router = build_router(reviewer)
        self.queue = JobQueue(router, settings.workers)
        await self.queue.start()
        self._runner = web.AppRunner(build_app(settings, router, self.queue))
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.bot_url = f"http://{host}:{port}"
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
        if self.queue is not None:
            await self.queue.stop(timeout=10)
        if self._runner is not None:
            await self._runner.cleanup()
        await self.double.stop()

    async def deliver(
        self, event: str, payload: Mapping[str, Any], *, delivery_id: str | None = None
    ) -> Delivery:
        """POST a signed webhook to the bot, as GitHub would."""
        assert self._session is not None, "use `async with LoopbackStack()`"
        body = json.dumps(payload).encode()
        delivery = delivery_id or str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/panicscan-stack",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sign(self.webhook_secret.encode(), body),
        }
        async with self._session.post(f"{self.bot_url}/webhook", data=body, headers=headers) as r:
            return Delivery(delivery, r.status, await r.text())

    async def open_pull_request(self, pr: PullRequestState, action: str = "opened") -> Delivery:
        payload = pull_request_event(self.github_url, pr, action, INSTALLATION_ID)
        return await self.deliver("pull_request", payload)

    async def settle(self, timeout: float = 60.0) -> bool:
        """Wait until every accepted job has finished."""
        assert self.queue is not None
        return await self.queue.drain(timeout)
