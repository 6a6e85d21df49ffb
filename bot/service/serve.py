"""`panicscan serve`: settings from the environment, production wiring, run until SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os

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
from bot.service.metrics import Metrics
from bot.service.settings import Settings
from bot.service.store import Store, open_store
from bot.service.store_effects import DeadLetterReporter, EffectLog
from bot.service.waiver_store import DurableWaiverStore
from bot.service.wiring import build_router

log = logging.getLogger("panicscan.serve")


def serve(*, host: str | None = None, port: int | None = None) -> int:
    """Raises ConfigError (exit 2 with one line) on a bad setting, before binding anything."""
    settings = Settings.from_env(os.environ)
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_format, settings.log_level)
    if settings.private_key is not None:
        key = load_private_key(settings.private_key, setting="PANICSCAN_PRIVATE_KEY")
    else:
        assert settings.private_key_file is not None  # Settings guarantees one of the two
        key = load_private_key(settings.private_key_file, setting="PANICSCAN_PRIVATE_KEY_FILE")
    policy = RetryPolicy(writes_per_minute=settings.github_writes_per_minute)
    # The conversation port can also read comments back (markers, on a resumed job).
    factory = ConversationFactory(settings.app_id, key, settings.github_url, policy=policy)
    bot_login = _check_credentials(factory)
    store = open_store(settings.database_url, pool_size=settings.db_pool_size)
    effects = EffectLog(store)
    cycle = ReviewCycle(
        factory, load_rules(), DurableWaiverStore(store), bot_login=bot_login, effects=effects
    )
    router = build_router(cycle)
    dead_letter = DeadLetterReporter(factory, effects, CHECK_NAME)
    queue, metrics = durable_queue(settings, store, router, dead_letter, factory, cycle=cycle)
    log.info("starting with %r", settings)
    try:
        asyncio.run(run_server(settings, router, queue, store=store, metrics=metrics))
    except OSError as exc:
        # Bind failures (port in use, unknown host) are settings errors, not crashes.
        where = f"{settings.host}:{settings.port}"
        raise ConfigError(
            f"PANICSCAN_HOST/PANICSCAN_PORT: cannot listen on {where}: {exc.strerror or exc}"
        ) from exc
    finally:
        store.close()
    return 0


def durable_queue(
    settings: Settings,
    store: Store,
    router: Router,
    dead_letter: DeadLetterReporter | None,
    factory: PyGithubFactory | None = None,
    *,
    cycle: ReviewCycle | None = None,
) -> tuple[DurableQueue, Metrics]:
    """The production queue and its metrics, as `serve` and LoopbackStack build them."""
    policy = QueuePolicy(
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.job_max_attempts,
        backoff_seconds=settings.retry_backoff_seconds,
    )
    metrics = Metrics(store.job_counts, None if factory is None else factory.rate_limits)
    metrics.watch(factory, cycle)
    queue = DurableQueue(
        store, router, settings.workers, policy=policy, metrics=metrics, dead_letter=dead_letter
    )
    return queue, metrics


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
