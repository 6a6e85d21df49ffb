"""Webhook payloads for the double's pull requests, shaped like GitHub's deliveries."""

from __future__ import annotations

from typing import Any

from bot.github import double_render
from bot.github.double_state import PullRequestState


def envelope(
    base_url: str, owner: str, repo: str, installation_id: int, sender: str
) -> dict[str, Any]:
    """What every delivery carries: the repository, the sender and the installation."""
    return {
        "repository": double_render.repository(base_url, owner, repo),
        "sender": double_render.user(base_url, sender),
        "installation": {"id": installation_id, "node_id": f"MDIz{installation_id}"},
    }


def pull_request_event(
    base_url: str, pr: PullRequestState, action: str, installation_id: int
) -> dict[str, Any]:
    """A `pull_request` delivery (opened, synchronize, ...) for a PR the double holds."""
    return {
        "action": action,
        "number": pr.number,
        "pull_request": double_render.pull_request(base_url, pr, 0, 0),
    } | envelope(base_url, pr.owner, pr.repo, installation_id, pr.author)
