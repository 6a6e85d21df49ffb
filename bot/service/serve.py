"""`panicscan serve`: settings from the environment, production wiring, run until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from typing import Literal

from prometheus_client import CollectorRegistry

from bot.errors import ConfigError, GitHubError
from bot.github.auth import load_private_key
from bot.github.client import PyGithubFactory
from bot.github.conversation import ConversationFactory
from bot.github.retry import RetryPolicy
from bot.report.checkrun import CHECK_NAME
from bot.rulefiles import load_rules
from bot.service.app import run_server
from bot.service.durable_queue import DurableQueue, QueuePolicy
from bot.service.events import Router
from bot.service.handlers.review_cycle import ReviewCycle
from bot.service.logs import configure_logging
from bot.service.metrics import Metrics, RateLimitGauge
from bot.service.queue import ManagedJobSink
from bot.service.settings import Settings
from bot.service.store import Store, open_store
from bot.service.store_effects import DeadLetterReporter, EffectLog
from bot.service.waiver_store import DurableWaiverStore
from bot.service.wiring import build_router
from bot.service.worker_pool import PooledQueue, WorkerPool, worker_env
from bot.service.worker_role import lower_priority, run_worker

log = logging.getLogger("panicscan.serve")
Role = Literal["web", "worker"]


def serve(*, host: str | None = None, port: int | None = None, role: Role = "web") -> int:
    """Raises ConfigError (exit 2 with one line) on a bad setting, before binding anything.

    role "web" answers webhooks (and starts PANICSCAN_WORKER_PROCESSES review workers);
    role "worker" is one of those workers (bot/service/worker_role.py).
    """
    # --host/--port go through the same validation as the variables they override.
    env = dict(os.environ)
    if host is not None:
        env["PANICSCAN_HOST"] = host
    if port is not None:
        env["PANICSCAN_PORT"] = str(port)
    settings = Settings.from_env(env)
    configure_logging(settings.log_format, settings.log_level)
    if settings.private_key is not None:
        key = load_private_key(settings.private_key, setting="PANICSCAN_PRIVATE_KEY")
    else:
        assert settings.private_key_file is not None  # Settings guarantees one of the two
        key = load_private_key(settings.private_key_file, setting="PANICSCAN_PRIVATE_KEY_FILE")
    policy = RetryPolicy(writes_per_minute=settings.github_writes_per_minute)
    # The conversation port can also read comments back (markers, on a resumed job).
    factory = ConversationFactory(settings.app_id, key, settings.github_url, policy=policy)
    if role == "worker":
        return _serve_worker(settings, factory)
    bot_login = _check_credentials(factory)
    store = open_store(settings.database_url, pool_size=settings.db_pool_size)
    metrics_dir = None
    try:
        cycle, router, dead_letter = _review_flow(factory, store, bot_login)
        queue: ManagedJobSink
        if settings.worker_processes:
            metrics_dir = _metrics_dir()
            queue, metrics = pooled_queue(settings, store, router, metrics_dir)
        else:
            queue, metrics = durable_queue(
                settings, store, router, dead_letter, factory, cycle=cycle
            )
        log.info("starting with %r", settings)
        asyncio.run(run_server(settings, router, queue, store=store, metrics=metrics))
    except OSError as exc:
        # Bind failures (port in use, unknown host) are settings errors, not crashes.
        where = f"{settings.host}:{settings.port}"
        raise ConfigError(
            f"PANICSCAN_HOST/PANICSCAN_PORT: cannot listen on {where}: {exc.strerror or exc}"
        ) from exc
    finally:
        store.close()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _serve_worker(settings: Settings, factory: ConversationFactory) -> int:
    """One review worker process: claims jobs until SIGTERM or the web process is gone."""
    lower_priority(settings.worker_nice)
    store = open_store(settings.database_url, pool_size=settings.db_pool_size)
    try:
        # The login is asked of GitHub on first need: the web process checked the keys.
        cycle, router, dead_letter = _review_flow(factory, store, None)
        queue, _ = durable_queue(
            settings, store, router, dead_letter, factory, cycle=cycle, housekeeping=False
        )
        # Written to the metrics files for the web process; this registry is never served.
        budget = RateLimitGauge(CollectorRegistry())
        asyncio.run(
            run_worker(
                queue,
                settings.shutdown_timeout,
                tick=lambda: budget.refresh(factory.rate_limits()),
            )
        )
    finally:
        store.close()
    return 0


def _review_flow(
    factory: ConversationFactory, store: Store, bot_login: str | None
) -> tuple[ReviewCycle, Router, DeadLetterReporter]:
    effects = EffectLog(store)
    cycle = ReviewCycle(
        factory, load_rules(), DurableWaiverStore(store), bot_login=bot_login, effects=effects
    )
    return cycle, build_router(cycle), DeadLetterReporter(factory, effects, CHECK_NAME)


def _metrics_dir() -> str:
    try:
        return tempfile.mkdtemp(prefix="panicscan-metrics-")
    except OSError as exc:
        # Not tempfile.gettempdir() here: with no usable directory at all it raises too.
        where = os.environ.get("TMPDIR") or "the temp directory"
        raise ConfigError(
            "PANICSCAN_WORKER_PROCESSES: cannot make a directory for the worker processes' "
            f"metrics under {where!r} (set TMPDIR to a writable one): {exc}"
        ) from exc


def _queue_policy(settings: Settings) -> QueuePolicy:
    return QueuePolicy(
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.job_max_attempts,
        backoff_seconds=settings.retry_backoff_seconds,
    )


def durable_queue(
    settings: Settings,
    store: Store,
    router: Router,
    dead_letter: DeadLetterReporter | None,
    factory: PyGithubFactory | None = None,
    *,
    cycle: ReviewCycle | None = None,
    housekeeping: bool = True,
) -> tuple[DurableQueue, Metrics]:
    """The production queue and its metrics, as `serve` and LoopbackStack build them."""
    metrics = Metrics(store.job_counts, None if factory is None else factory.rate_limits)
    metrics.watch(factory, cycle)
    queue = DurableQueue(
        store,
        router,
        settings.workers,
        policy=_queue_policy(settings),
        metrics=metrics,
        dead_letter=dead_letter,
        housekeeping=housekeeping,
    )
    return queue, metrics


def pooled_queue(
    settings: Settings, store: Store, router: Router, metrics_dir: str
) -> tuple[PooledQueue, Metrics]:
    """The web process's side when worker processes run the reviews."""
    metrics = Metrics(store.job_counts, worker_files=metrics_dir)
    accepting = DurableQueue(store, router, 0, policy=_queue_policy(settings), metrics=metrics)
    pool = WorkerPool(
        settings.worker_processes,
        env=worker_env(os.environ, metrics_dir),
        registry=metrics.registry,
    )
    return PooledQueue(accepting, pool), metrics


def _check_credentials(factory: ConversationFactory) -> str | None:
    """Ask GitHub who we are. Refused credentials stop start-up (a setting is wrong);
    an unreachable GitHub does not: deliveries must still be accepted and stored."""
    try:
        return asyncio.run(factory.bot_login())
    except GitHubError as exc:
        if exc.status in (401, 403, 404):
            raise ConfigError(
                f"PANICSCAN_APP_ID / private key: GitHub refused the app's credentials ({exc})"
            ) from exc
        log.warning("GitHub unreachable at start-up (%s); the bot login is resolved later", exc)
        return None
