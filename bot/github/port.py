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

    async def validate_review_comments(
        self,
        repo: RepoRef,
        number: int,
        commit_id: str,
        comments: Sequence[ReviewCommentDraft],
    ) -> None:
        """Raise GitHubValidationError if GitHub would refuse these comments; posts nothing."""
        ...


class GitHubPortFactory(Protocol):
    async def for_installation(self, installation_id: int) -> GitHubPort:
        """A port authenticated as the given installation (token cached until near expiry)."""
        ...

    def forget(self, installation_id: int) -> None:
        """Drop cached tokens and state of an installation that is gone."""
        ...


class ConversationGitHubPort(GitHubPort, Protocol):
    """The calls of a conversation with people (bot/github/conversation.py implements it)."""

    async def get_pull(self, repo: RepoRef, number: int) -> PullInfo: ...

    async def blob_sha_at(self, repo: RepoRef, path: str, ref: str) -> str | None:
        """The blob sha of `path` at commit `ref`, None if it does not exist there."""
        ...

    async def list_review_comments(self, repo: RepoRef, number: int) -> list[ReviewComment]: ...

    async def reply_to_review_comment(
        self, repo: RepoRef, number: int, comment_id: int, body: str
    ) -> int: ...

    async def create_issue_comment(self, repo: RepoRef, number: int, body: str) -> int: ...

    async def add_reaction(
        self, repo: RepoRef, subject: str, comment_id: int, content: str
    ) -> None: ...

    async def permission_of(self, repo: RepoRef, user: str) -> str: ...

    async def read_default_file(self, repo: RepoRef, path: str) -> str | None: ...

    async def pulls_for_commit(self, repo: RepoRef, sha: str) -> list[PullInfo]: ...

    async def check_run_names(self, repo: RepoRef, sha: str) -> list[str]: ...

    async def pull_conversation(self, repo: RepoRef, number: int) -> PullConversation:
        """The PR's state plus every review thread and its comments (one GraphQL query)."""
        ...

    async def set_thread_resolved(self, thread_id: str, resolved: bool) -> None: ...

    async def complete_check_run_with_actions(
        self,
        repo: RepoRef,
        check_run_id: int,
        conclusion: str,
        output: CheckRunOutput,
        actions: Sequence[CheckAction] = ...,
    ) -> None: ...


class ConversationPortFactory(Protocol):
    async def for_installation(self, installation_id: int) -> ConversationGitHubPort: ...

    def forget(self, installation_id: int) -> None:
        """Drop the installation's cached token and rate-limit state."""
        ...

    async def bot_login(self) -> str:
        """`<app slug>[bot]`, the login of the App's own comments."""
        ...


from typing import TYPE_CHECKING  # noqa: E402 - appended block, kept in one place

if TYPE_CHECKING:  # the data types live with their adapter; no runtime PyGithub import
    from bot.github.conversation import (
        CheckAction,
        PullConversation,
        PullInfo,
        ReviewComment,
    )
