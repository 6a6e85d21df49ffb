"""The PyGithub adapter behind GitHubPort. No other module imports PyGithub.

Every blocking PyGithub call runs in `asyncio.to_thread`, inside `github_errors`,
so callers only ever see bot.errors. Retries are off (`retry=None`): backoff and
rate-limit waits belong to the service layer, which knows the job's deadline.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from github import Auth, Github
from github.File import File
from github.PaginatedList import PaginatedList
from github.Requester import Requester

from bot.errors import GitHubError
from bot.github.auth import GITHUB_COM_API, InstallationTokenCache, parse_private_key
from bot.github.errors_map import github_errors
from bot.github.retry import DEFAULT_POLICY, Kind, RetryPolicy, backoff, classify
from bot.github.throttle import InstallationThrottle, RateLimitSnapshot, Throttles
from bot.github.types import (
    Annotation,
    CheckRunOutput,
    PostedReview,
    PRFile,
    RepoRef,
    ReviewCommentDraft,
)

T = TypeVar("T")
# Told of every attempt at the choke point: (endpoint as called, the error or None, seconds).
# The metrics layer normalises the endpoint; bot/github stays free of prometheus.
CallObserver = Callable[[str, GitHubError | None, float], None]
log = logging.getLogger(__name__)
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
    """GitHubPort for one installation. Each call takes a fresh-enough token.

    `_call` is the one choke point: it waits out this installation's rate-limit
    block, paces writes, runs PyGithub in a thread, and retries with asyncio
    sleeps (never `time.sleep` in the thread, which would hold a worker).
    """

    def __init__(
        self,
        token_source: Callable[[], str],
        base_url: str,
        timeout: int,
        *,
        invalidate: Callable[[], None] = lambda: None,
        throttle: InstallationThrottle | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
        rng: random.Random | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self._observer = observer
        self._token_source = token_source
        self._invalidate = invalidate
        self._base_url = base_url
        self._timeout = timeout
        self._throttle = throttle or InstallationThrottle(
            0, policy.write_interval, burst=policy.write_burst
        )
        self._policy = policy
        self._rng = rng or random.Random()
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

    def _attempt(self, endpoint: str, fn: Callable[[Requester], T]) -> T:
        """One try in a worker thread; records the budget GitHub reported."""
        with self._lock, github_errors(endpoint):
            req = self._requester()
            try:
                return fn(req)
            finally:
                limit_remaining = req.rate_limiting
                self._throttle.observe(
                    limit_remaining[1], limit_remaining[0], float(req.rate_limiting_resettime)
                )

    async def call_minting(self, endpoint: str) -> None:
        """Make sure a token exists (minting one if needed), with the usual retries."""
        await self._call(endpoint, lambda _req: None, paced=False)

    async def _call(self, endpoint: str, fn: Callable[[Requester], T], *, paced: bool = True) -> T:
        """Run `fn` off the event loop with bounded retries; raises bot.errors only."""
        method = endpoint.split(" ", 1)[0] if paced else "GET"
        transient = rate_limited = 0
        refreshed = False
        while True:
            await self._throttle.before(method)
            started = time.monotonic()
            try:
                result = await asyncio.to_thread(self._attempt, endpoint, fn)
                self._observe(endpoint, None, started, paced)
                return result
            except GitHubError as exc:
                self._observe(endpoint, exc, started, paced)
                self._throttle.observe_error(exc)
                verdict = classify(exc, time.time())
                if verdict.kind is Kind.UNAUTHORIZED and not refreshed:
                    refreshed = True  # an expired token: mint a new one, once
                    log.info("%s: 401, re-minting the installation token", endpoint)
                    self._invalidate()
                    continue
                if verdict.kind is Kind.TRANSIENT and transient + 1 < self._policy.attempts:
                    transient += 1
                    delay = backoff(transient, self._policy, self._rng)
                    log.info("%s failed (%s); retry %d in %.2f s", endpoint, exc, transient, delay)
                    await asyncio.sleep(delay)
                    continue
                if verdict.kind is Kind.RATE_LIMITED:
                    rate_limited += 1
                    self._raise_if_too_long(exc, verdict.wait, rate_limited)
                    log.warning("%s rate limited; waiting %.1f s", endpoint, verdict.wait)
                    self._throttle.block_for(verdict.wait + self._policy.rate_limit_margin)
                    continue
                raise

    def _observe(self, endpoint: str, exc: GitHubError | None, started: float, paced: bool) -> None:
        # Unpaced calls only make sure a token exists: usually no request at all.
        if self._observer is None or not paced:
            return
        try:
            self._observer(endpoint, exc, time.monotonic() - started)
        except Exception:  # a broken metrics hook must never fail a GitHub call
            log.exception("call observer failed for %s", endpoint)

    def _raise_if_too_long(self, exc: GitHubError, wait: float, tries: int) -> None:
        if wait > self._policy.max_rate_limit_wait:
            raise GitHubError(
                f"{exc} (rate limited for {wait:.0f} s, longer than the "
                f"{self._policy.max_rate_limit_wait:.0f} s a job may wait)",
                status=exc.status,
                endpoint=exc.endpoint,
            ) from exc
        if tries > self._policy.rate_limit_attempts:
            raise GitHubError(
                f"{exc} (still rate limited after {tries - 1} waits)",
                status=exc.status,
                endpoint=exc.endpoint,
            ) from exc

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
        self,
        repo: RepoRef,
        check_run_id: int,
        conclusion: str,
        output: CheckRunOutput,
        *,
        actions: Sequence[Mapping[str, str]] = (),
    ) -> None:
        """`actions` (buttons) ride on the completing request: one PATCH, not two."""
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
                if actions:
                    body["actions"] = [dict(a) for a in actions[:3]]
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

        # The answer carries no comment ids; nothing here needs them, so they are not
        # listed (that would be one more call per review).
        return PostedReview(id=await self._call(f"POST {url}", post))

    async def validate_review_comments(
        self,
        repo: RepoRef,
        number: int,
        commit_id: str,
        comments: Sequence[ReviewCommentDraft],
    ) -> None:
        """Raise GitHubValidationError if GitHub would refuse these comments in a review.

        GitHub has no dry run, so this creates a PENDING review (invisible to
        others) and deletes it again at once.
        """
        url = f"/repos/{repo.full_name}/pulls/{number}/reviews"
        payload = {"commit_id": commit_id, "comments": [_comment_json(c) for c in comments]}

        def post(req: Requester) -> int:
            _, data = req.requestJsonAndCheck("POST", url, input=payload)
            return int(data["id"])

        review_id = await self._call(f"POST {url} (pending probe)", post)
        pending_url = f"{url}/{review_id}"

        def delete(req: Requester) -> None:
            req.requestJsonAndCheck("DELETE", pending_url)

        await self._call(f"DELETE {pending_url}", delete)


def _patcher(url: str, body: dict[str, Any]) -> Callable[[Requester], None]:
    def patch(req: Requester) -> None:
        req.requestJsonAndCheck("PATCH", url, input=body)

    return patch


class PyGithubFactory:
    """GitHubPortFactory over PyGithub: one token cache and one throttle per installation."""

    def __init__(
        self,
        app_id: int,
        private_key: RSAPrivateKey | str | bytes,
        base_url: str = GITHUB_COM_API,
        timeout: int = 15,
        *,
        clock: Callable[[], float] | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        key = (
            private_key
            if isinstance(private_key, RSAPrivateKey)
            else parse_private_key(private_key, setting="private_key")
        )
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._policy = policy
        self.tokens = InstallationTokenCache(
            app_id, key, self._base_url, timeout=timeout, clock=clock or time.time
        )
        self.throttles = Throttles(policy.write_interval, burst=policy.write_burst)
        self.observer: CallObserver | None = None  # set before the first port is made

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: RetryPolicy) -> None:
        """Ports made from now on use `policy` (tests and benchmarks shrink the waits)."""
        self._policy = policy
        self.throttles.configure(policy.write_interval, policy.write_burst)

    # Subclasses whose ports speak more calls name their port class here.
    port_type: type[PyGithubPort] = PyGithubPort

    def _port(self, installation_id: int) -> PyGithubPort:
        return self.port_type(
            lambda: self.tokens.token(installation_id),
            self._base_url,
            self._timeout,
            invalidate=lambda: self.tokens.invalidate(installation_id),
            throttle=self.throttles.of(installation_id),
            policy=self._policy,
            observer=self.observer,
        )

    async def for_installation(self, installation_id: int) -> PyGithubPort:
        port = self._port(installation_id)
        # Mint (or reuse) now, with the same retries, so auth failures surface here.
        await port.call_minting(f"POST /app/installations/{installation_id}/access_tokens")
        return port

    async def bot_login(self) -> str:
        """The login the App's comments carry: how the bot recognises its own threads."""
        slug = await asyncio.to_thread(self.tokens.app_slug)
        return f"{slug}[bot]"

    def forget(self, installation_id: int) -> None:
        """The installation is gone (uninstalled, repos removed): drop its token and state."""
        self.tokens.invalidate(installation_id)
        self.throttles.forget(installation_id)

    def rate_limits(self) -> Mapping[int, RateLimitSnapshot]:
        """Latest rate-limit budget per installation, for the metrics layer."""
        return self.throttles.snapshots()
