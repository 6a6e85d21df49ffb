import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession
from service_harness import SECRET, WebhookExamples, running_service

from bot.service.events import EventContext, Router, get_path
from bot.service.signature import sign


class Calls:
    """A handler that records each context it is given."""

    def __init__(self) -> None:
        self.seen: list[EventContext] = []

    async def __call__(self, ctx: EventContext) -> None:
        self.seen.append(ctx)


def pr_router(calls: Calls, *keys: str) -> Router:
    router = Router()
    for key in keys or ("pull_request.opened", "pull_request.synchronize"):
        router.on(key, calls)
    return router


async def test_signed_pull_request_opened_is_accepted_and_handled(
    examples: WebhookExamples,
) -> None:
    calls = Calls()
    payload = examples.get("pull_request", "opened", installation=True)
    async with running_service(pr_router(calls)) as svc:
        reply = await svc.post("pull_request", payload, delivery="d-opened-1")
        assert await svc.queue.drain(5)
    assert reply.status == 202
    assert reply.body == {"accepted": "d-opened-1"}
    [ctx] = calls.seen
    assert (ctx.delivery_id, ctx.event, ctx.action) == ("d-opened-1", "pull_request", "opened")
    assert ctx.installation_id == payload["installation"]["id"]
    assert ctx.pr_key == ("Codertocat/Hello-World", 2)
    assert ctx.payload == payload
    head = get_path(ctx.payload, "pull_request", "head", "sha", type=str)
    assert head == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


async def test_only_handlers_for_the_delivered_action_run(examples: WebhookExamples) -> None:
    opened, synced, every = Calls(), Calls(), Calls()
    router = Router()
    router.on("pull_request.opened", opened)
    router.on("pull_request.synchronize", synced)
    router.on("pull_request", every)
    async with running_service(router) as svc:
        reply = await svc.post("pull_request", examples.get("pull_request", "synchronize"))
        assert await svc.queue.drain(5)
    assert reply.status == 202
    assert (len(opened.seen), len(synced.seen), len(every.seen)) == (0, 1, 1)


def _sha1(body: bytes) -> str:
    return "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "sha256=" + "0" * 64,
        "sha256=nothex",
        lambda body: sign(b"another secret", body),
        _sha1,
        lambda body: sign(SECRET.encode(), body).replace("sha256=", "sha512="),
        lambda body: sign(SECRET.encode(), body + b"\n"),  # body altered after signing
        lambda body: sign(SECRET.encode(), body)[:-4],
    ],
    ids=["missing", "zeros", "non-hex", "other-secret", "sha1", "sha512", "altered", "short"],
)
async def test_bad_signature_is_401_and_queues_nothing(
    examples: WebhookExamples, signature: object
) -> None:
    calls = Calls()
    async with running_service(pr_router(calls)) as svc:
        reply = await svc.post(
            "pull_request", examples.get("pull_request", "opened"), signature=signature
        )
        assert await svc.queue.drain(1)
        assert svc.queue.stats.accepted == 0
    assert reply.status == 401
    assert reply.body == {"error": "bad signature"}
    assert calls.seen == []


async def test_signature_is_checked_before_json_and_headers() -> None:
    async with running_service(Router()) as svc:
        reply = await svc.post(None, raw=b"{not json", delivery=None, signature="sha256=00")
    assert reply.status == 401


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"a string"', b"42", b"null", b"\xff\xfe{}", b"", b'{"a": NaN}'],
    ids=["malformed", "array", "string", "number", "null", "not-utf8", "empty", "nan"],
)
async def test_validly_signed_body_that_is_not_a_json_object_is_400(raw: bytes) -> None:
    calls = Calls()
    async with running_service(pr_router(calls)) as svc:
        reply = await svc.post("pull_request", raw=raw)
    assert reply.status == 400
    assert "error" in reply.body
    assert calls.seen == []


async def test_deeply_nested_json_is_400_not_500() -> None:
    async with running_service(Router()) as svc:
        reply = await svc.post(
            "pull_request", raw=b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        )
    assert reply.status == 400


@pytest.mark.parametrize(
    ("event", "delivery"),
    [(None, "d-1"), ("pull_request", None), ("Pull Request!", "d-1"), ("pull_request", "d 1;rm")],
    ids=["no-event", "no-delivery", "bad-event", "bad-delivery"],
)
async def test_missing_or_malformed_github_headers_are_400(
    examples: WebhookExamples, event: str | None, delivery: str | None
) -> None:
    async with running_service(pr_router(Calls())) as svc:
        reply = await svc.post(event, examples.get("pull_request", "opened"), delivery=delivery)
    assert reply.status == 400


async def test_event_without_a_handler_is_204(examples: WebhookExamples) -> None:
    async with running_service(pr_router(Calls())) as svc:
        star = await svc.post("star", examples.get("star", "created"))
        closed = await svc.post("pull_request", examples.get("pull_request", "closed"))
        assert svc.queue.stats.accepted == 0
    assert (star.status, star.text) == (204, "")
    assert (closed.status, closed.text) == (204, "")


async def test_ping_is_200_ok(examples: WebhookExamples) -> None:
    async with running_service(Router()) as svc:
        reply = await svc.post("ping", examples.get("ping"))
    assert reply.status == 200
    assert reply.body == {"ok": True}


async def test_form_encoded_delivery_is_accepted(examples: WebhookExamples) -> None:
    calls = Calls()
    payload = examples.get("pull_request", "opened")
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    async with running_service(pr_router(calls)) as svc:
        reply = await svc.post(
            "pull_request",
            raw=raw,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert await svc.queue.drain(5)
    assert reply.status == 202
    assert calls.seen[0].payload == payload


async def test_body_over_the_limit_is_413_from_content_length() -> None:
    calls = Calls()
    async with running_service(pr_router(calls), max_body_bytes=1024) as svc:
        raw = json.dumps({"action": "opened", "pad": "x" * 4096}).encode()
        reply = await svc.post("pull_request", raw=raw)
    assert reply.status == 413
    assert reply.body == {"error": "payload too large"}
    assert calls.seen == []


async def test_chunked_body_over_the_limit_is_413_while_streaming() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"action": "opened", "pad": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}'

    async with running_service(pr_router(Calls()), max_body_bytes=1024) as svc:
        headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-chunked"}
        async with (
            ClientSession() as session,
            session.post(svc.url + "webhook", data=chunks(), headers=headers) as resp,
        ):
            assert resp.request_info.headers.get("Transfer-Encoding") == "chunked"
            assert resp.status == 413


async def test_body_exactly_at_the_limit_is_accepted() -> None:
    calls = Calls()
    base = json.dumps({"action": "opened", "pad": ""}).encode()
    raw = json.dumps({"action": "opened", "pad": "x" * (1024 - len(base))}).encode()
    assert len(raw) == 1024
    async with running_service(pr_router(calls), max_body_bytes=1024) as svc:
        reply = await svc.post("pull_request", raw=raw)
    assert reply.status == 202


async def test_wrong_shaped_payload_is_accepted_and_handled_safely() -> None:
    shas: list[str | None] = []
    numbers: list[int | None] = []

    async def handler(ctx: EventContext) -> None:
        shas.append(get_path(ctx.payload, "pull_request", "head", "sha", type=str))
        numbers.append(ctx.pr_number)

    router = Router()
    router.on("pull_request.opened", handler)
    async with running_service(router) as svc:
        replies = [
            await svc.post("pull_request", {"action": "opened"}, delivery="d-1"),
            await svc.post(
                "pull_request",
                {"action": "opened", "pull_request": [], "installation": "x"},
                delivery="d-2",
            ),
            await svc.post(
                "pull_request", {"action": "opened", "pull_request": {"head": 3}}, delivery="d-3"
            ),
        ]
        assert await svc.queue.drain(5)
        assert svc.queue.stats.handlers_failed == 0
    assert [r.status for r in replies] == [202, 202, 202]
    assert shas == [None, None, None]
    assert numbers == [None, None, None]


async def test_a_raising_handler_does_not_stop_later_deliveries(
    examples: WebhookExamples,
) -> None:
    seen: list[str] = []

    async def flaky(ctx: EventContext) -> None:
        seen.append(ctx.delivery_id)
        if ctx.delivery_id == "d-bad":
            raise KeyError("pull_request")

    router = Router()
    router.on("pull_request", flaky)
    async with running_service(router, workers=1) as svc:
        first = await svc.post(
            "pull_request", examples.get("pull_request", "opened"), delivery="d-bad"
        )
        second = await svc.post(
            "pull_request", examples.get("pull_request", "synchronize"), delivery="d-good"
        )
        assert await svc.queue.drain(5)
    assert (first.status, second.status) == (202, 202)
    assert seen == ["d-bad", "d-good"]


async def test_unexpected_error_is_500_json_without_internals(
    examples: WebhookExamples, caplog: pytest.LogCaptureFixture
) -> None:
    class ExplodingSink:
        async def submit(self, ctx: EventContext) -> None:
            raise RuntimeError("db password is hunter2")

    with caplog.at_level(logging.ERROR):
        async with running_service(pr_router(Calls()), sink=ExplodingSink()) as svc:
            reply = await svc.post(
                "pull_request", examples.get("pull_request", "opened"), delivery="d-500"
            )
    assert reply.status == 500
    assert reply.body == {"error": "internal error"}
    assert "hunter2" not in reply.text
    [record] = [r for r in caplog.records if r.name == "panicscan.service.app"]
    assert record.delivery_id == "d-500"  # type: ignore[attr-defined]
    assert record.exc_info is not None


async def test_delivery_is_503_when_the_queue_is_stopped(examples: WebhookExamples) -> None:
    async with running_service(pr_router(Calls())) as svc:
        await svc.queue.stop(1)
        reply = await svc.post("pull_request", examples.get("pull_request", "opened"))
    assert reply.status == 503


async def test_healthz_is_200() -> None:
    async with running_service(Router()) as svc, svc.session.get(svc.url + "healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}


async def test_wrong_method_is_405_not_500() -> None:
    async with running_service(Router()) as svc, svc.session.get(svc.url + "webhook") as resp:
        assert resp.status == 405


async def test_access_log_has_delivery_id_and_never_the_secret(
    examples: WebhookExamples, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with running_service(pr_router(Calls())) as svc:
            await svc.post("pull_request", examples.get("pull_request", "opened"), delivery="d-log")
            await svc.post("pull_request", {"action": "opened"}, delivery="d-bad", signature=None)
            await asyncio.sleep(0.05)  # the access log is written after the response
            assert await svc.queue.drain(5)
    access = [r for r in caplog.records if r.name == "panicscan.access"]
    assert [(r.delivery_id, r.event) for r in access] == [  # type: ignore[attr-defined]
        ("d-log", "pull_request"),
        ("d-bad", "pull_request"),
    ]
    assert "POST /webhook 202" in access[0].getMessage()
    assert "POST /webhook 401" in access[1].getMessage()
    for record in caplog.records:
        text = record.getMessage() + repr(vars(record))
        assert SECRET not in text
        assert "sha256=" not in text
