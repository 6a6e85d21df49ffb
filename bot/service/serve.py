"""`panicscan serve`: settings from the environment, production wiring, run until SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os

from bot.errors import ConfigError
from bot.github.auth import load_private_key
from bot.github.client import PyGithubFactory
from bot.rulefiles import load_rules
from bot.service.app import run_server
from bot.service.handlers.pull_request import PullRequestReviewer
from bot.service.logs import configure_logging
from bot.service.queue import JobQueue
from bot.service.settings import Settings
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
    factory = PyGithubFactory(settings.app_id, key, settings.github_url)
    reviewer = PullRequestReviewer(factory, load_rules())
    router = build_router(reviewer)
    queue = JobQueue(router, settings.workers)
    log.info("starting with %r", settings)
    try:
        asyncio.run(run_server(settings, router, queue))
    except OSError as exc:
        # Bind failures (port in use, unknown host) are settings errors, not crashes.
        where = f"{settings.host}:{settings.port}"
        raise ConfigError(
            f"PANICSCAN_HOST/PANICSCAN_PORT: cannot listen on {where}: {exc.strerror or exc}"
        ) from exc
    return 0
