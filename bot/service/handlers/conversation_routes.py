"""The events the conversation and the gate subscribe to, in one place."""

from __future__ import annotations

from bot.service.events import Router
from bot.service.handlers import check_events, issue_comment, review_comment
from bot.service.handlers.review_cycle import ReviewCycle


def add_conversation(router: Router, cycle: ReviewCycle) -> None:
    threads = review_comment.ReviewCommentHandler(cycle)
    for action in review_comment.ACTIONS:
        router.on(f"pull_request_review_comment.{action}", threads.handle)
    conversation = issue_comment.IssueCommentHandler(cycle)
    for action in issue_comment.ACTIONS:
        router.on(f"issue_comment.{action}", conversation.handle)
    checks = check_events.CheckEventsHandler(cycle)
    for action in check_events.CHECK_RUN_ACTIONS:
        router.on(f"check_run.{action}", checks.handle)
    for action in check_events.CHECK_SUITE_ACTIONS:
        router.on(f"check_suite.{action}", checks.handle)
