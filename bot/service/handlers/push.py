"""push: a change to a repository's default branch may change its panicscan config.

Configs (`.github/panicscan.yml`, also in the owner's `.github` repository, and
clippy.toml) are read from the default branch and cached; a push there that touches
one of them, or whose file list is incomplete, marks the cache stale. Pushes to other
branches, or that touch no config, change nothing the bot reads: the web process
answers them 204 without storing them (`wants_push`), which is most pushes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.clippyfile import CLIPPY_FILES
from bot.core.repoconfig import CONFIG_PATH
from bot.service.events import EventContext, get_path

CONFIG_FILES = frozenset({CONFIG_PATH, *CLIPPY_FILES})
# GitHub lists at most this many commits in a push payload; beyond it the list is cut.
PUSH_COMMITS_LISTED = 2048


def touches_config(payload: Mapping[str, Any]) -> bool:
    """True unless the payload proves no config file changed (unsure counts as yes)."""
    for flag in ("forced", "deleted"):
        # True, or not a boolean at all (unsure): either way, maybe a change.
        if flag in payload and payload[flag] is not False:
            return True
    commits = payload.get("commits")
    if not isinstance(commits, list) or len(commits) >= PUSH_COMMITS_LISTED:
        return True
    for commit in commits:
        if not isinstance(commit, Mapping):
            return True
        for key in ("added", "modified", "removed"):
            paths = commit.get(key)
            if not isinstance(paths, list):
                return True
            # A path that is not a string could be anything, a config file too.
            if any(not isinstance(p, str) or p in CONFIG_FILES for p in paths):
                return True
    return False


def wants_push(payload: Mapping[str, Any]) -> bool:
    """Whether a push can matter (the web process asks before storing it): one to the
    default branch that may touch a config file, or one too malformed to tell."""
    default = get_path(payload, "repository", "default_branch", type=str)
    ref = get_path(payload, "ref", type=str)
    if default is None or ref is None:
        return True  # the handler logs what is missing
    return ref == f"refs/heads/{default}" and touches_config(payload)


class PushHandler:
    def __init__(self, config_changed: Callable[[str], Awaitable[None]]) -> None:
        self._config_changed = config_changed

    async def handle(self, ctx: EventContext) -> None:
        repo = get_path(ctx.payload, "repository", "full_name", type=str)
        default = get_path(ctx.payload, "repository", "default_branch", type=str)
        ref = get_path(ctx.payload, "ref", type=str)
        if repo is None or default is None or ref is None:
            ctx.logger.warning("push payload lacks repository/ref; ignored")
            return
        # The web process asked the same already; a job stored without asking (another
        # router, an older version) is judged alike here.
        if not wants_push(ctx.payload):
            ctx.logger.debug("push to %s:%s changed no config", repo, ref)
            return
        await self._config_changed(repo)
        ctx.logger.info("push to %s:%s may change its config; cached copies dropped", repo, default)
