"""pull_request_review_comment created/edited: `/panicscan` commands in a bot thread.

Trust: the thread's root must be authored by our app's bot user AND carry a marker;
a marker typed into a human comment is never trusted. Our own comments are never
read as commands. An edit counts only for commands not handled before.

deleted: only logged, never a GitHub call. A deleted bot comment is not re-posted
(the store remembers its fingerprint); a deleted command undoes nothing: a waiver is
taken back with `/panicscan unignore`, which leaves an audit trail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.repoconfig import RepoConfig
from bot.github.conversation import ReviewComment
from bot.github.port import ConversationGitHubPort
from bot.github.types import RepoRef
from bot.report.markdown import code_span
from bot.service.commands import (
    Command,
    CommandError,
    Verb,
    Where,
    command_lines,
    parse_commands,
    usage,
)
from bot.service.events import EventContext, get_path
from bot.service.handlers.review_cycle import ReviewCycle, markers_in, new_waiver
from bot.service.waivers import Decision, may_waive

ACTIONS = ("created", "edited", "deleted")


@dataclass(frozen=True)
class Author:
    login: str
    type: str


@dataclass(frozen=True)
class Origin:
    """Where a command came from and where its answer goes."""

    repo: RepoRef
    number: int
    installation_id: int
    comment_id: int
    author: Author


def comment_origin(ctx: EventContext, number: int | None) -> Origin | None:
    p = ctx.payload
    owner = get_path(p, "repository", "owner", "login", type=str)
    name = get_path(p, "repository", "name", type=str)
    comment_id = get_path(p, "comment", "id", type=int)
    login = get_path(p, "comment", "user", "login", type=str)
    kind = get_path(p, "comment", "user", "type", type=str) or "User"
    if None in (owner, name, comment_id, login, number, ctx.installation_id):
        return None
    assert owner and name and comment_id and login and number and ctx.installation_id
    return Origin(
        RepoRef(owner, name), number, ctx.installation_id, comment_id, Author(login, kind)
    )


async def carry_out(
    cycle: ReviewCycle,
    ctx: EventContext,
    origin: Origin,
    body: str,
    *,
    where: Where,
    config: RepoConfig,
    one: Callable[[Command | CommandError], Awaitable[bool]],
) -> None:
    """Each command of a comment once (an edit repeats none), then one re-review if
    any of them changed what the gate decides."""
    lines = command_lines(body)
    parsed = parse_commands(body, where, reason_required=config.reason_required)
    rerun = False
    for line, command in zip(lines, parsed, strict=False):
        if await cycle.waivers.first_time(origin.comment_id, line):
            rerun |= await one(command)
    if rerun:
        await cycle.run(origin.repo, origin.number, origin.installation_id, ctx.logger)


async def authorise(
    cycle: ReviewCycle, port: ConversationGitHubPort, origin: Origin, config: RepoConfig
) -> Decision:
    permission = await port.permission_of(origin.repo, origin.author.login)
    pr = await port.get_pull(origin.repo, origin.number)
    return may_waive(
        user=origin.author.login,
        user_type=origin.author.type,
        permission=permission,
        min_permission=config.waive_min_permission,
        pr_author=pr.author,
        author_may_waive=config.author_may_waive,
    )


class ReviewCommentHandler:
    def __init__(self, cycle: ReviewCycle) -> None:
        self._cycle = cycle

    async def handle(self, ctx: EventContext) -> None:
        if ctx.action == "deleted":
            _log_deleted(ctx)
            return
        body = get_path(ctx.payload, "comment", "body", type=str) or ""
        root_id = get_path(ctx.payload, "comment", "in_reply_to_id", type=int)
        origin = comment_origin(ctx, ctx.pr_number)
        if origin is None or root_id is None or not command_lines(body):
            return  # not a reply in a thread, or no command in it
        if origin.author.login == await self._cycle.login():
            return  # our own replies quote usage text; never obey ourselves
        port = await self._cycle.factory.for_installation(origin.installation_id)
        comments = await port.list_review_comments(origin.repo, origin.number)
        root = next((c for c in comments if c.id == root_id), None)
        if root is None or root.user != await self._cycle.login() or not markers_in(root.body):
            ctx.logger.info("command in a thread that is not panicscan's; ignored")
            return
        config = (await self._cycle.load_config(port, origin.repo)).config

        async def one(command: Command | CommandError) -> bool:
            return await self._one(port, origin, root, config, command)

        await carry_out(self._cycle, ctx, origin, body, where=Where.THREAD, config=config, one=one)

    async def _one(
        self,
        port: ConversationGitHubPort,
        origin: Origin,
        root: ReviewComment,
        config: RepoConfig,
        command: Command | CommandError,
    ) -> bool:
        """Carry out one command; True when the gate must be re-evaluated."""

        async def answer(reaction: str, text: str) -> None:
            await port.add_reaction(origin.repo, "pulls", origin.comment_id, reaction)
            await port.reply_to_review_comment(origin.repo, origin.number, root.id, text)

        if isinstance(command, CommandError):
            await answer(
                "confused", f"Sorry, I did not understand that: {command.problem}. {command.help}"
            )
            return False
        if command.verb is Verb.HELP:
            await answer("+1", usage(Where.THREAD))
            return False
        if command.verb is Verb.EXPLAIN:
            await answer("+1", self._explain(root))
            return False
        decision = await authorise(self._cycle, port, origin, config)
        if not decision.allowed:
            await answer(
                "confused",
                f"Sorry @{origin.author.login}, I cannot do that: {decision.why}. Nothing changed.",
            )
            return False
        pr_ref = (origin.repo.full_name, origin.number)
        found = markers_in(root.body)
        if command.verb is Verb.UNIGNORE:
            removed = [fp for fp, _ in found if await self._cycle.waivers.remove(pr_ref, fp)]
            text = (
                "Waiver taken back; this finding counts again."
                if removed
                else "This finding was not waived."
            )
            await answer("+1", text)
            return bool(removed)
        head = (await port.get_pull(origin.repo, origin.number)).head_sha
        for fingerprint, rule in found:
            await self._cycle.waivers.add(
                pr_ref,
                new_waiver(
                    fingerprint=fingerprint,
                    rule=rule,
                    path=root.path,
                    user=origin.author.login,
                    reason=command.reason or "(no reason given)",
                    head_sha=head,
                ),
            )
        await answer(
            "+1", f"Waived by @{origin.author.login}: {command.reason or 'no reason given'}."
        )
        return True

    def _explain(self, root: ReviewComment) -> str:
        found = markers_in(root.body)
        rule = self._cycle.rules_by_id.get(found[0][1]) if found else None
        if rule is None:
            return "I no longer know the rule behind this comment."
        parts = [
            f"**{code_span(rule.id)}** ({rule.code}): {rule.summary.strip()}",
            "",
            rule.why.strip(),
        ]
        if rule.use_instead.strip():
            parts += ["", "Use instead:", "", rule.use_instead.strip()]
        return "\n".join(parts)


def _log_deleted(ctx: EventContext) -> None:
    """Say what went; the body is the sender's text, so only its shape is logged."""
    body = get_path(ctx.payload, "comment", "body", type=str) or ""
    comment_id = get_path(ctx.payload, "comment", "id", type=int)
    kind = get_path(ctx.payload, "comment", "user", "type", type=str)
    who = get_path(ctx.payload, "sender", "login", type=str) or "someone"
    if kind == "Bot" and markers_in(body):
        ctx.logger.info(
            "panicscan comment %s deleted by %s; not re-posted, the finding still counts",
            comment_id,
            who[:39],
        )
    elif command_lines(body):
        ctx.logger.info(
            "comment %s with a /panicscan command deleted; what it did stays "
            "(unignore takes a waiver back)",
            comment_id,
        )
    else:
        ctx.logger.debug("review comment %s deleted; not ours", comment_id)
