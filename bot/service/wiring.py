"""Which handler serves which event: the one place events meet handlers."""

from __future__ import annotations

from bot.service.events import Router
from bot.service.handlers.pull_request import REVIEW_ACTIONS, PullRequestReviewer


def build_router(reviewer: PullRequestReviewer) -> Router:
    router = Router()
    for action in REVIEW_ACTIONS:
        router.on(f"pull_request.{action}", reviewer.handle)
    return router
