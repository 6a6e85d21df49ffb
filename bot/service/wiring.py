"""Which handler serves which event: the one place events meet handlers."""

from __future__ import annotations

from bot.service.events import Router
from bot.service.handlers.conversation_routes import add_conversation
from bot.service.handlers.pull_request import REVIEW_ACTIONS
from bot.service.handlers.push import PushHandler, wants_push
from bot.service.handlers.review_cycle import ReviewCycle

GONE_EVENTS = ("installation.deleted", "installation.suspend", "installation_repositories.removed")


def build_router(cycle: ReviewCycle) -> Router:
    router = Router()
    for action in REVIEW_ACTIONS:
        router.on(f"pull_request.{action}", cycle.handle_pull_request)
    add_conversation(router, cycle)
    router.on("push", PushHandler(cycle.config_changed).handle, wants=wants_push)
    for gone in GONE_EVENTS:
        router.on(gone, cycle.forget_installation)
    return router
