"""pull_request events: which actions start a review, and the payload fields it needs.

The review itself is ReviewCycle (handlers/review_cycle.py): one thread per
fingerprint across pushes, commands, the gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.github.types import RepoRef

# converted_to_draft too: the check run is re-evaluated under the draft policy.
REVIEW_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review", "converted_to_draft")


@dataclass(frozen=True)
class PullRequestEvent:
    """The few payload fields a review needs, validated once at the boundary."""

    repo: RepoRef
    number: int
    head_sha: str
    installation_id: int
    state: str

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> PullRequestEvent | None:
        pr = payload.get("pull_request")
        repo = payload.get("repository")
        installation = payload.get("installation")
        if not (isinstance(pr, Mapping) and isinstance(repo, Mapping)):
            return None
        if not isinstance(installation, Mapping):
            return None
        owner = repo.get("owner")
        head = pr.get("head")
        fields = (
            owner.get("login") if isinstance(owner, Mapping) else None,
            repo.get("name"),
            pr.get("number"),
            head.get("sha") if isinstance(head, Mapping) else None,
            installation.get("id"),
            pr.get("state", "open"),
        )
        login, name, number, sha, inst, state = fields
        if not (isinstance(login, str) and isinstance(name, str) and isinstance(sha, str)):
            return None
        if not (isinstance(number, int) and isinstance(inst, int) and isinstance(state, str)):
            return None
        return cls(RepoRef(login, name), number, sha, inst, state)
