"""The aiohttp app: POST /webhook (verify, parse, enqueue, answer fast), GET /healthz,
GET /readyz (store reachable and migrated) and GET /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import signal
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.service.durable_queue import DuplicateDelivery
from bot.service.events import Router, make_context
from bot.service.metrics import CONTENT_TYPE, Metrics
from bot.service.queue import JobSink, ManagedJobSink, QueueUnavailable, ReportsWorkers
from bot.service.settings import Settings
from bot.service.signature import verify_signature
from bot.service.store import Store

SETTINGS_KEY = web.AppKey("settings", Settings)
ROUTER_KEY = web.AppKey("router", Router)
QUEUE_KEY = web.AppKey("queue", JobSink)
STORE_KEY = web.AppKey("store", Store)
METRICS_KEY = web.AppKey("metrics", Metrics)

# Header values end up in logs, so only accept the shapes GitHub sends (GUIDs, snake_case).
_DELIVERY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_EVENT_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CHUNK = 64 * 1024
# aiohttp's own shutdown wait for open requests; webhook requests finish in milliseconds.
_HTTP_SHUTDOWN_TIMEOUT = 5.0

_logger = logging.getLogger("panicscan.service.app")
ACCESS_LOG = logging.getLogger("panicscan.access")


def build_app(
    settings: Settings,
    router: Router,
    queue: JobSink,
    *,
    store: Store | None = None,
    metrics: Metrics | None = None,
) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[_errors])
    app[SETTINGS_KEY] = settings
    app[ROUTER_KEY] = router
    app[QUEUE_KEY] = queue
    app[METRICS_KEY] = metrics or Metrics()
    if store is not None:
        app[STORE_KEY] = store
    app.router.add_post("/webhook", _webhook)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)
    return app


def _json(status: int, body: Mapping[str, object]) -> web.Response:
    return web.json_response(dict(body), status=status)


def _header(request: web.BaseRequest, name: str, pattern: re.Pattern[str]) -> str | None:
    value = request.headers.get(name)
    return value if value is not None and pattern.fullmatch(value) else None


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise  # aiohttp's own 404/405 answers
    except Exception:
        _logger.exception(
            "unexpected error on %s %s",
            request.method,
            request.path,
            extra={"delivery_id": _header(request, "X-GitHub-Delivery", _DELIVERY_RE)},
        )
        return _json(500, {"error": "internal error"})


async def _healthz(_request: web.Request) -> web.Response:
    return _json(200, {"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    store = request.app.get(STORE_KEY)
    if store is None:
        return _json(200, {"status": "ok", "store": "memory"})
    try:
        ready = await asyncio.to_thread(store.is_ready)
    except Exception as exc:  # noqa: BLE001 - readiness answers, it never crashes
        _logger.warning("readiness check failed: %s", exc)
        ready = False
    body: dict[str, object] = {"store": store.backend}
    queue = request.app[QUEUE_KEY]
    if isinstance(queue, ReportsWorkers):
        # Shown, never a 503: while the store takes deliveries none is lost, and a
        # restarted worker catches up; refusing them would lose them (GitHub does not retry).
        body["workers"] = dict(queue.worker_status())
    if not ready:
        return _json(503, {"status": "unavailable", **body})
    return _json(200, {"status": "ok", **body})


async def _metrics(request: web.Request) -> web.Response:
    body = await asyncio.to_thread(request.app[METRICS_KEY].render)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _read_capped(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None once it is known to exceed `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None  # refuse before reading a single byte
    # Chunked bodies (or a lying Content-Length) are cut off while streaming.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _parse_payload(body: bytes, content_type: str) -> tuple[Mapping[str, object], str] | None:
    """The JSON object GitHub sent (raw JSON or the form field `payload`) and its text."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/x-www-form-urlencoded":
            text = parse_qs(text, strict_parsing=True).get("payload", [""])[0]
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        # UnicodeDecodeError and JSONDecodeError are ValueErrors; deep nesting recurses.
        return None
    return (value, text) if isinstance(value, dict) else None


async def _webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    delivery = _header(request, "X-GitHub-Delivery", _DELIVERY_RE)
    body = await _read_capped(request, settings.max_body_bytes)
    if body is None:
        _logger.warning(
            "rejected delivery: body over %d bytes",
            settings.max_body_bytes,
            extra={"delivery_id": delivery},
        )
        response = _json(413, {"error": "payload too large"})
        response.force_close()  # the rest of the body is not worth draining
        return response
    # Authenticate before looking at anything the sender controls.
    signature = request.headers.get("X-Hub-Signature-256")
    if not verify_signature(settings.webhook_secret_bytes, body, signature):
        _logger.warning(
            "rejected delivery: %s signature from %s",
            "missing" if signature is None else "invalid",
            request.remote,
            extra={"delivery_id": delivery},
        )
        return _json(401, {"error": "bad signature"})
    event = _header(request, "X-GitHub-Event", _EVENT_RE)
    if event is None or delivery is None:
        return _json(400, {"error": "missing or invalid X-GitHub-Event/X-GitHub-Delivery"})
    parsed = _parse_payload(body, request.content_type)
    if parsed is None:
        return _json(400, {"error": "body is not a JSON object"})
    if event == "ping":
        return _json(200, {"ok": True})

    payload, text = parsed
    ctx = make_context(delivery, event, payload, payload_json=text)
    counted = request.app[METRICS_KEY].deliveries
    if not request.app[ROUTER_KEY].handles(ctx.event, ctx.action, ctx.payload):
        ctx.logger.debug("nothing to do for %s", ctx.key)
        counted.labels(event, "ignored").inc()
        return web.Response(status=204)
    try:
        await request.app[QUEUE_KEY].submit(ctx)
    except DuplicateDelivery as exc:
        # GitHub redelivers with the same id: already processed (or queued) means done.
        # A known body under a NEW id is a replay (the id header is not signed).
        if exc.status == "replay":
            ctx.logger.warning("replayed body under a new delivery id; not processed")
        else:
            ctx.logger.info("duplicate delivery (%s); not processed again", exc.status)
        counted.labels(event, "replay" if exc.status == "replay" else "duplicate").inc()
        return _json(200, {"duplicate": delivery, "status": exc.status})
    except QueueUnavailable as exc:
        ctx.logger.error("delivery not queued: %s", exc)
        counted.labels(event, "unavailable").inc()
        return _json(503, {"error": "queue unavailable"})
    ctx.logger.info("accepted %s", ctx.key)
    counted.labels(event, "accepted").inc()
    return _json(202, {"accepted": delivery})


class AccessLogger(AbstractAccessLogger):
    """One line per request with the delivery id and event; never headers or bodies."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %d %.1fms",
            request.method,
            request.path,
            response.status,
            time * 1000,
            extra={
                "remote": request.remote,
                "delivery_id": _header(request, "X-GitHub-Delivery", _DELIVERY_RE),
                "event": _header(request, "X-GitHub-Event", _EVENT_RE),
            },
        )


async def run_server(
    settings: Settings,
    router: Router,
    queue: ManagedJobSink,
    *,
    stop_event: asyncio.Event | None = None,
    store: Store | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or `stop_event`), then drain the queue gracefully."""
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError) as exc:  # Windows, or not the main thread
            _logger.warning("cannot handle %s: %s", sig.name, exc)

    runner = web.AppRunner(
        build_app(settings, router, queue, store=store, metrics=metrics),
        access_log_class=AccessLogger,
        access_log=ACCESS_LOG,
        shutdown_timeout=_HTTP_SHUTDOWN_TIMEOUT,
    )
    await queue.start()
    try:
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        for address in runner.addresses:
            # TCP addresses are (host, port[, flowinfo, scope_id]) tuples.
            url = (
                f"http://{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
            )
            _logger.info("listening on %s", url, extra={"address": url})
        await stop.wait()
        _logger.info("shutting down")
    finally:
        # The handlers stay until the queue has stopped: a second SIGTERM (systemd and
        # `timeout` signal the whole process group, Ctrl-C does too) is then a no-op
        # instead of killing the process in the middle of its graceful shutdown.
        try:
            await runner.cleanup()  # stop accepting deliveries first...
            await queue.stop(settings.shutdown_timeout)  # ...then finish the accepted ones
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
        _logger.info("stopped")
