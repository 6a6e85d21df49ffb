"""Re-runs: check_run rerequested / requested_action "rerun", check_suite requested /
rerequested. The PR comes from `pull_requests`, or, for fork PRs (whose check events
carry `pull_requests: []`), from the PRs whose head is the event's head sha.
"""

from __future__ import annotations

from bot.github.types import RepoRef
from bot.report.checkrun import CHECK_NAME
from bot.service.events import EventContext, get_list, get_path
from bot.service.handlers.review_cycle import ReviewCycle

CHECK_RUN_ACTIONS = ("rerequested", "requested_action")
CHECK_SUITE_ACTIONS = ("requested", "rerequested")
RERUN_ID = "rerun"


class CheckEventsHandler:
    def __init__(self, cycle: ReviewCycle) -> None:
        self._cycle = cycle

    async def handle(self, ctx: EventContext) -> None:
        event = ctx.event
        p = ctx.payload
        if event == "check_run":
            if get_path(p, "check_run", "name", type=str) != CHECK_NAME:
                return  # another app's run
            identifier = get_path(p, "requested_action", "identifier", type=str)
            if ctx.action == "requested_action" and identifier != RERUN_ID:
                ctx.logger.info("unknown check run action %r; ignored", identifier)
                return
        owner = get_path(p, "repository", "owner", "login", type=str)
        name = get_path(p, "repository", "name", type=str)
        sha = get_path(p, event, "head_sha", type=str)
        if owner is None or name is None or sha is None or ctx.installation_id is None:
            ctx.logger.warning("%s payload lacks repository/head_sha/installation", event)
            return
        repo = RepoRef(owner, name)
        numbers = [
            n
            for item in get_list(p, event, "pull_requests") or []
            if (n := get_path(item, "number", type=int)) is not None
        ]
        if not numbers:
            port = await self._cycle.factory.for_installation(ctx.installation_id)
            numbers = [pr.number for pr in await port.pulls_for_commit(repo, sha)]
        # A push's check_suite.requested races pull_request.synchronize: review once.
        first_push = event == "check_suite" and ctx.action == "requested"
        for number in numbers:
            await self._cycle.run(
                repo, number, ctx.installation_id, ctx.logger, skip_if_checked=first_push
            )
