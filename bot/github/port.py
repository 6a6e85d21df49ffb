"""The narrow interface the service layer uses to talk to GitHub.

One port object is bound to one installation. The PyGithub adapter implements it
(bot/github/client.py); tests may use it against the local GitHub double.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.github.types import CheckRunOutput, PostedReview, PRFile, RepoRef, ReviewCommentDraft


class GitHubPort(Protocol):
    async def list_pr_files(self, repo: RepoRef, number: int) -> list[PRFile]:
        """Every file of the PR, following pagination."""
        ...

    async def get_blob(self, repo: RepoRef, sha: str) -> bytes:
        """Raw bytes of a git blob (callers cache by sha)."""
        ...

    async def create_check_run(self, repo: RepoRef, head_sha: str, name: str) -> int:
        """Create a check run with status in_progress; returns its id."""
        ...

    async def complete_check_run(
        self, repo: RepoRef, check_run_id: int, conclusion: str, output: CheckRunOutput
    ) -> None:
        """Complete the run; annotations beyond 50 are sent in further PATCH requests."""
        ...

    async def create_review(
        self,
        repo: RepoRef,
        number: int,
        commit_id: str,
        body: str,
        comments: Sequence[ReviewCommentDraft],
    ) -> PostedReview:
        """Post one review with event COMMENT."""
        ...


class GitHubPortFactory(Protocol):
    async def for_installation(self, installation_id: int) -> GitHubPort:
        """A port authenticated as the given installation (token cached until near expiry)."""
        ...
