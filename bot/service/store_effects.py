"""Idempotent GitHub effects on top of the store: a retried job never re-posts.

A job may run again after it already talked to GitHub (its worker died, or a handler
failed after posting). The store remembers the check run per head sha and the
comments per fingerprint, so a retry completes the same check run and skips
comments it already posted; the review cycle also reads the bot's own markers back
from GitHub, which covers an attempt that died between posting and recording.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.errors import GitHubError
from bot.github.port import GitHubPort, GitHubPortFactory
from bot.github.types import CheckRunOutput, RepoRef
from bot.service.events import EventContext, get_path
from bot.service.store import Store

log = logging.getLogger("panicscan.service.effects")

PENDING = 0  # a check run id stored before GitHub answered: the run may or may not exist


class EffectLog:
    """Async face of the store's effect tables (blocking calls run in a thread)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def check_run_for(self, repo: RepoRef, head_sha: str) -> int | None:
        return await asyncio.to_thread(self._store.check_run_for, repo.full_name, head_sha)

    async def record_check_run(self, repo: RepoRef, head_sha: str, check_run_id: int) -> None:
        await asyncio.to_thread(
            self._store.record_check_run, repo.full_name, head_sha, check_run_id, time.time()
        )

    async def posted(self, repo: RepoRef, number: int) -> frozenset[str]:
        return await asyncio.to_thread(self._store.posted_fingerprints, repo.full_name, number)

    async def record_posted(self, repo: RepoRef, number: int, posted: dict[str, int]) -> None:
        await asyncio.to_thread(
            self._store.record_posted, repo.full_name, number, posted, time.time()
        )

    async def newer_head(self, repo: RepoRef, number: int, head_sha: str) -> str | None:
        """A newer push of the PR whose review waits in the queue, if any."""
        key = f"{repo.full_name}#{number}"
        return await asyncio.to_thread(self._store.newer_queued_head, key, head_sha)

    async def config_generation(self, repo: str) -> int:
        return await asyncio.to_thread(self._store.config_generation, repo)

    async def bump_config_generation(self, repo: str) -> None:
        await asyncio.to_thread(self._store.bump_config_generation, repo, time.time())


async def open_check_run(
    port: GitHubPort, effects: EffectLog | None, repo: RepoRef, head_sha: str, name: str
) -> int:
    """The check run of this head: the one a previous attempt created, else a new one.

    An intent (id 0) is stored before creating, so an attempt that died between
    GitHub's answer and the store's commit is noticed; the retry then adopts that
    run (found by name on the head) instead of leaving it in progress forever.
    """
    if effects is None:
        return await port.create_check_run(repo, head_sha, name)
    known = await effects.check_run_for(repo, head_sha)
    if known:
        return known
    if known == PENDING:
        adopted = await find_check_run(port, repo, head_sha, name)
        if adopted is not None:
            await effects.record_check_run(repo, head_sha, adopted)
            return adopted
    else:
        await effects.record_check_run(repo, head_sha, PENDING)
    check_id = await port.create_check_run(repo, head_sha, name)
    await effects.record_check_run(repo, head_sha, check_id)
    return check_id


async def find_check_run(port: GitHubPort, repo: RepoRef, head_sha: str, name: str) -> int | None:
    finder = getattr(port, "check_run_ids", None)
    if finder is None:
        return None  # a port without the lookup: a new run supersedes the orphan by name
    try:
        ids = await finder(repo, head_sha, name)
    except GitHubError as exc:
        log.warning("cannot look up check runs of %s: %s", head_sha[:7], exc)
        return None
    return max(ids) if ids else None


class DeadLetterReporter:
    """Completes the check run of a dead-lettered review, so it is never left in progress."""

    def __init__(self, factory: GitHubPortFactory, effects: EffectLog, check_name: str) -> None:
        self._factory = factory
        self._effects = effects
        self._check_name = check_name

    async def __call__(self, ctx: EventContext, reason: str) -> None:
        if ctx.event != "pull_request" or ctx.installation_id is None:
            return
        owner = get_path(ctx.payload, "repository", "owner", "login", type=str)
        name = get_path(ctx.payload, "repository", "name", type=str)
        sha = get_path(ctx.payload, "pull_request", "head", "sha", type=str)
        if owner is None or name is None or sha is None:
            return
        repo = RepoRef(owner, name)
        port = await self._factory.for_installation(ctx.installation_id)
        check_id = await open_check_run(port, self._effects, repo, sha, self._check_name)
        output = CheckRunOutput(
            title="panicscan gave up on this review",
            summary=(
                f"The review of {sha[:7]} failed on every attempt; the last error was:\n\n"
                f"    {reason[:1000]}\n\nNothing was decided about this code. "
                "Push again or re-run the check."
            ),
        )
        await port.complete_check_run(repo, check_id, "failure", output)
        ctx.logger.info("dead-lettered review reported on check run %s", check_id)
