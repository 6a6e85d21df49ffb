"""A real HTTP service on 127.0.0.1 for the service tests, and real webhook payloads."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.service.app import ACCESS_LOG, AccessLogger, build_app
from bot.service.events import Router
from bot.service.queue import JobQueue, JobSink
from bot.service.settings import Settings
from bot.service.signature import sign

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_INDEX = (
    REPO_ROOT
    / "tests/fixtures/npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json"
)
SECRET = "It's a Secret to Everybody"
# Shape-valid but not a usable key: the service never parses it.
FAKE_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n"


class WebhookExamples:
    """Real payloads, as GitHub documents them, from the pinned npm package."""

    def __init__(self, index: list[dict[str, Any]]) -> None:
        self._by_event = {entry["name"]: entry["examples"] for entry in index}

    def get(self, event: str, action: str | None = None, *, installation: bool = False) -> Any:
        for example in self._by_event[event]:
            if action is not None and example.get("action") != action:
                continue
            if installation and "installation" not in example:
                continue
            return copy.deepcopy(example)
        raise LookupError(f"no example for {event}.{action} (installation={installation})")


def make_settings(**overrides: Any) -> Settings:
    base = Settings(app_id=1, webhook_secret=SECRET, private_key=FAKE_PEM, port=0)
    return replace(base, **overrides)


@dataclass
class Reply:
    status: int
    body: Any  # parsed JSON, or None for an empty body
    text: str


@dataclass
class Service:
    """A running app on 127.0.0.1 plus a client to post deliveries to it."""

    url: str
    session: ClientSession
    queue: JobQueue
    settings: Settings

    async def post(
        self,
        event: str | None,
        payload: Any = None,
        *,
        raw: bytes | None = None,
        delivery: str | None = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        signature: str | Callable[[bytes], str] | None = "sign",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        body = raw if raw is not None else json.dumps(payload).encode()
        sent = {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test"}
        if event is not None:
            sent["X-GitHub-Event"] = event
        if delivery is not None:
            sent["X-GitHub-Delivery"] = delivery
        if signature == "sign":
            sent["X-Hub-Signature-256"] = sign(SECRET.encode(), body)
        elif callable(signature):
            sent["X-Hub-Signature-256"] = signature(body)
        elif signature is not None:
            sent["X-Hub-Signature-256"] = signature
        sent.update(headers or {})
        async with self.session.post(self.url + "webhook", data=body, headers=sent) as resp:
            text = await resp.text()
            return Reply(resp.status, json.loads(text) if text else None, text)


@asynccontextmanager
async def running_service(
    router: Router,
    *,
    workers: int = 2,
    sink: JobSink | None = None,
    **settings: Any,
) -> AsyncIterator[Service]:
    """Start queue + app on a real socket; `sink` replaces the queue the app submits to."""
    config = make_settings(workers=workers, **settings)
    queue = JobQueue(router, workers)
    await queue.start()
    server = TestServer(build_app(config, router, sink or queue), host="127.0.0.1", port=0)
    await server.start_server(access_log_class=AccessLogger, access_log=ACCESS_LOG)
    try:
        async with ClientSession() as session:
            yield Service(str(server.make_url("/")), session, queue, config)
    finally:
        await server.close()
        await queue.stop(5)
