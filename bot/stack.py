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
from bot.github.conversation import ConversationFactory
from bot.github.double import GitHubDouble
from bot.github.double_state import PullRequestState
from bot.github.double_webhooks import pull_request_event
from bot.report.checkrun import CHECK_NAME
from bot.rulefiles import load_rules
from bot.service.app import build_app
from bot.service.durable_queue import DurableQueue
from bot.service.handlers.review_cycle import ReviewCycle
from bot.service.queue import JobQueue
from bot.service.serve import durable_queue
from bot.service.settings import Settings
from bot.service.signature import sign
from bot.service.store import Store, open_store
from bot.service.store_effects import DeadLetterReporter, EffectLog
from bot.service.waiver_store import MemoryWaiverStore
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

    def __init__(
        self,
        *,
        workers: int = 2,
        options: ScanOptions = DEFAULT_OPTIONS,
        database_url: str | None = None,  # None: the in-memory queue; else the durable one
    ) -> None:
        self.waiver_store = MemoryWaiverStore()
        self._database_url = database_url
        self.store: Store | None = None
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
        self.queue: JobQueue | DurableQueue | None = None
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
        self.factory = factory = ConversationFactory(APP_ID, self.private_key_pem, self.github_url)
        if self._database_url is None:
            cycle = ReviewCycle(factory, load_rules(), self.waiver_store, options=self._options)
            router = build_router(cycle)
            self.queue = JobQueue(router, settings.workers)
            metrics = None
        else:
            self.store = open_store(self._database_url)
            effects = EffectLog(self.store)
            cycle = ReviewCycle(
                factory,
                load_rules(),
                self.waiver_store,
                options=self._options,
                effects=effects,
            )
            router = build_router(cycle)
            dead_letter = DeadLetterReporter(factory, effects, CHECK_NAME)
            self.queue, metrics = durable_queue(
                settings, self.store, router, dead_letter, factory, cycle=cycle
            )
        await self.queue.start()
        app = build_app(settings, router, self.queue, store=self.store, metrics=metrics)
        self._runner = web.AppRunner(app)
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
        if self.store is not None:
            self.store.close()
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

    async def push_default_branch(
        self, owner: str, repo: str, files: Mapping[str, bytes | None]
    ) -> Delivery:
        """Commit files to a repository's default branch and deliver its `push` event."""
        model = self.double.conversation
        payload = model.push_default_branch(owner, repo, files, INSTALLATION_ID)
        return await self.deliver("push", payload)

    async def settle(self, timeout: float = 60.0) -> bool:
        """Wait until every accepted job has finished."""
        assert self.queue is not None
        return await self.queue.drain(timeout)
