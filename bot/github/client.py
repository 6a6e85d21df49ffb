"""The PyGithub adapter behind GitHubPort. No other module imports PyGithub.

Every blocking PyGithub call runs in `asyncio.to_thread`, inside `github_errors`,
so callers only ever see bot.errors. Retries are off (`retry=None`): backoff and
rate-limit waits belong to the service layer, which knows the job's deadline.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from github import Auth, Github
from github.File import File
from github.PaginatedList import PaginatedList
from github.PullRequestComment import PullRequestComment
from github.Requester import Requester

from bot.errors import GitHubError
from bot.github.auth import GITHUB_COM_API, InstallationTokenCache, parse_private_key
from bot.github.errors_map import github_errors
from bot.github.types import (
    Annotation,
    CheckRunOutput,
    PostedReview,
    PRFile,
    RepoRef,
    ReviewCommentDraft,
)

T = TypeVar("T")
ANNOTATIONS_PER_REQUEST = 50  # GitHub's cap; more go in later PATCH requests
PER_PAGE = 100


def _output_json(output: CheckRunOutput, annotations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"title": output.title, "summary": output.summary}
    if output.text:
        body["text"] = output.text
    body["annotations"] = list(annotations)
    return body


def _annotation_json(a: Annotation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "path": a.path,
        "start_line": a.start_line,
        "end_line": a.end_line,
        "annotation_level": a.annotation_level,
        "message": a.message,
    }
    if a.title:
        body["title"] = a.title[:255]
    # GitHub rejects columns on multi-line annotations.
    if a.start_line == a.end_line:
        if a.start_column is not None:
            body["start_column"] = a.start_column
        if a.end_column is not None:
            body["end_column"] = a.end_column
    return body


def _comment_json(draft: ReviewCommentDraft) -> dict[str, Any]:
    body: dict[str, Any] = {
        "path": draft.path,
        "line": draft.line,
        "side": draft.side,
        "body": draft.body,
    }
    # GitHub 422s on start_line == line; one-line comments leave it out.
    if draft.start_line is not None and draft.start_line < draft.line:
        body["start_line"] = draft.start_line
        body["start_side"] = draft.side
    return body


class PyGithubPort:
    """GitHubPort for one installation. Each call takes a fresh-enough token."""

    def __init__(self, token_source: Callable[[], str], base_url: str, timeout: int) -> None:
        self._token_source = token_source
        self._base_url = base_url
        self._timeout = timeout
        self._lock = threading.Lock()  # one PyGithub client is not thread-safe
        self._client: tuple[str, Github] | None = None

    def _requester(self) -> Requester:
        token = self._token_source()
        if self._client is None or self._client[0] != token:
            gh = Github(
                auth=Auth.Token(token),
                base_url=self._base_url,
                timeout=self._timeout,
                retry=None,
                per_page=PER_PAGE,
                seconds_between_requests=None,
                seconds_between_writes=None,
                lazy=True,
            )
            self._client = (token, gh)
        return self._client[1].requester

    async def _call(self, endpoint: str, fn: Callable[[Requester], T]) -> T:
        """Run `fn` with a requester off the event loop; translate its errors."""

        def run() -> T:
            with self._lock, github_errors(endpoint):
                return fn(self._requester())

        return await asyncio.to_thread(run)

    async def list_pr_files(self, repo: RepoRef, number: int) -> list[PRFile]:
        url = f"/repos/{repo.full_name}/pulls/{number}/files"

        def fetch(req: Requester) -> list[PRFile]:
            files = PaginatedList(File, req, url, None)
            return [
                PRFile(
                    filename=f.filename,
                    status=f.status,
                    sha=None if f.status == "removed" else f.sha,
                    patch=f.patch,
                    previous_filename=f.previous_filename,
                    additions=f.additions,
                    deletions=f.deletions,
                )
                for f in files
            ]

        return await self._call(f"GET {url}", fetch)

    async def get_blob(self, repo: RepoRef, sha: str) -> bytes:
        # The base64 JSON form is byte-exact; PyGithub's requester would mangle a raw
        # body (it decodes it as UTF-8 and JSON-parses text starting with `{`/`[`).
        url = f"/repos/{repo.full_name}/git/blobs/{sha}"

        def fetch(req: Requester) -> bytes:
            _, data = req.requestJsonAndCheck("GET", url)
            if data.get("encoding") != "base64":
                raise GitHubError(
                    f"GET {url}: unexpected blob encoding {data.get('encoding')!r}", endpoint=url
                )
            return base64.b64decode(data["content"])

        return await self._call(f"GET {url}", fetch)

    async def create_check_run(self, repo: RepoRef, head_sha: str, name: str) -> int:
        url = f"/repos/{repo.full_name}/check-runs"
        body = {"name": name, "head_sha": head_sha, "status": "in_progress"}

        def post(req: Requester) -> int:
            _, data = req.requestJsonAndCheck("POST", url, input=body)
            return int(data["id"])

        return await self._call(f"POST {url}", post)

    async def complete_check_run(
        self, repo: RepoRef, check_run_id: int, conclusion: str, output: CheckRunOutput
    ) -> None:
        url = f"/repos/{repo.full_name}/check-runs/{check_run_id}"
        annotations = [_annotation_json(a) for a in output.annotations]
        batches = [
            annotations[i : i + ANNOTATIONS_PER_REQUEST]
            for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
        ] or [[]]
        # Annotations first, conclusion last: the run never looks finished while
        # GitHub still lacks some of its annotations.
        for index, batch in enumerate(batches):
            body: dict[str, Any] = {"output": _output_json(output, batch)}
            if index == len(batches) - 1:
                body |= {"status": "completed", "conclusion": conclusion}
            await self._call(f"PATCH {url}", _patcher(url, body))

    async def create_review(
        self,
        repo: RepoRef,
        number: int,
        commit_id: str,
        body: str,
        comments: Sequence[ReviewCommentDraft],
    ) -> PostedReview:
        url = f"/repos/{repo.full_name}/pulls/{number}/reviews"
        payload = {
            "commit_id": commit_id,
            "body": body,
            "event": "COMMENT",
            "comments": [_comment_json(c) for c in comments],
        }

        def post(req: Requester) -> int:
            _, data = req.requestJsonAndCheck("POST", url, input=payload)
            return int(data["id"])

        review_id = await self._call(f"POST {url}", post)
        comments_url = f"{url}/{review_id}/comments"

        def list_ids(req: Requester) -> tuple[int, ...]:
            listed = PaginatedList(PullRequestComment, req, comments_url, None)
            return tuple(c.id for c in listed)

        # The create response has no comment ids; GitHub lists them per review.
        ids = await self._call(f"GET {comments_url}", list_ids)
        return PostedReview(id=review_id, comment_ids=ids)


def _patcher(url: str, body: dict[str, Any]) -> Callable[[Requester], None]:
    def patch(req: Requester) -> None:
        req.requestJsonAndCheck("PATCH", url, input=body)

    return patch


class PyGithubFactory:
    """GitHubPortFactory over PyGithub: one token cache shared by all ports."""

    def __init__(
        self,
        app_id: int,
        private_key: RSAPrivateKey | str | bytes,
        base_url: str = GITHUB_COM_API,
        timeout: int = 15,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        key = (
            private_key
            if isinstance(private_key, RSAPrivateKey)
            else parse_private_key(private_key, setting="private_key")
        )
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self.tokens = InstallationTokenCache(
            app_id, key, self._base_url, timeout=timeout, clock=clock or time.time
        )

    async def for_installation(self, installation_id: int) -> PyGithubPort:
        # Mint (or reuse) now so auth failures surface here, not mid-job.
        await asyncio.to_thread(self.tokens.token, installation_id)
        return PyGithubPort(
            lambda: self.tokens.token(installation_id), self._base_url, self._timeout
        )
