"""issue_comment created/edited on a PR: `/panicscan rescan | help | ignore | unignore`.

`ignore <fingerprint-prefix|rule-id> <reason>` waives every matching finding of the
current head. Answers go to the PR conversation; plain issues are ignored.
"""

from __future__ import annotations

from bot.core.repoconfig import RepoConfig
from bot.github.port import ConversationGitHubPort
from bot.service.commands import (
    Command,
    CommandError,
    Verb,
    Where,
    command_lines,
    usage,
)
from bot.service.events import EventContext, get_mapping, get_path
from bot.service.handlers.review_comment import Origin, authorise, carry_out, comment_origin
from bot.service.handlers.review_cycle import ReviewCycle, new_waiver
from bot.service.waivers import match_target

ACTIONS = ("created", "edited")


class IssueCommentHandler:
    def __init__(self, cycle: ReviewCycle) -> None:
        self._cycle = cycle

    async def handle(self, ctx: EventContext) -> None:
        if get_mapping(ctx.payload, "issue", "pull_request") is None:
            return  # a plain issue, not a PR
        body = get_path(ctx.payload, "comment", "body", type=str) or ""
        origin = comment_origin(ctx, ctx.pr_number)
        if origin is None or not command_lines(body):
            return
        if origin.author.login == await self._cycle.login():
            return
        port = await self._cycle.factory.for_installation(origin.installation_id)
        config = (await self._cycle.load_config(port, origin.repo)).config

        async def one(command: Command | CommandError) -> bool:
            return await self._one(port, origin, config, command)

        await carry_out(
            self._cycle, ctx, origin, body, where=Where.CONVERSATION, config=config, one=one
        )

    async def _one(
        self,
        port: ConversationGitHubPort,
        origin: Origin,
        config: RepoConfig,
        command: Command | CommandError,
    ) -> bool:
        async def answer(reaction: str, text: str) -> None:
            await port.add_reaction(origin.repo, "issues", origin.comment_id, reaction)
            reply = f"@{origin.author.login} {text}"
            await port.create_issue_comment(origin.repo, origin.number, reply)

        if isinstance(command, CommandError):
            await answer(
                "confused", f"sorry, I did not understand that: {command.problem}. {command.help}"
            )
            return False
        if command.verb is Verb.HELP:
            await answer("+1", usage(Where.CONVERSATION))
            return False
        if command.verb is Verb.RESCAN:
            await port.add_reaction(origin.repo, "issues", origin.comment_id, "+1")
            return True
        decision = await authorise(self._cycle, port, origin, config)
        if not decision.allowed:
            await answer("confused", f"sorry, I cannot do that: {decision.why}. Nothing changed.")
            return False
        assert command.target is not None  # the parser requires one in the conversation
        pr = await port.get_pull(origin.repo, origin.number)
        analysis = await self._cycle.analyse(
            port, origin.repo, origin.number, pr.head_sha, config, base_sha=pr.base_sha
        )
        matched = match_target(command.target, analysis.findings)
        pr_ref = (origin.repo.full_name, origin.number)
        if not matched:
            await answer(
                "confused",
                f"no finding of `{pr.head_sha[:7]}` matches `{command.target}`. Nothing changed.",
            )
            return False
        if command.verb is Verb.UNIGNORE:
            removed = [
                f for f in matched if await self._cycle.waivers.remove(pr_ref, f.fingerprint)
            ]
            await answer("+1", f"took back {len(removed)} waiver(s).")
            return bool(removed)
        for f in matched:
            await self._cycle.waivers.add(
                pr_ref,
                new_waiver(
                    fingerprint=f.fingerprint,
                    rule=f.rule,
                    path=f.path,
                    user=origin.author.login,
                    reason=command.reason or "(no reason given)",
                    head_sha=pr.head_sha,
                ),
            )
        await answer("+1", f"waived {len(matched)} finding(s): {command.reason or 'no reason'}.")
        return True
