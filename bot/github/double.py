"""A local GitHub REST API double for tests, the demo and benchmarks.

It listens on 127.0.0.1 (ephemeral port), keeps an in-memory model and follows
GitHub's documented behaviour for the endpoints panicscan uses: App JWTs and
installation tokens, paginated PR files with Link headers, blobs, reviews that
are rejected whole when one comment misses the diff, check runs limited to 50
annotations per request, and rate-limit headers. Deliberate simplifications are
marked "Simplification:" in the double_* modules.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.github.double_auth import PUBLIC_KEY, auth_and_rate_limit
from bot.github.double_auth import routes as app_routes
from bot.github.double_diff import blob_sha
from bot.github.double_faults import Fault, FaultPlan
from bot.github.double_graphql import routes as graphql_routes
from bot.github.double_http import CONTEXT_KEY, DoubleContext, iso
from bot.github.double_push import CONVERSATION_KEY, ConversationModel
from bot.github.double_push import routes as push_routes
from bot.github.double_routes_checks import routes as check_routes
from bot.github.double_routes_pulls import routes as pull_routes
from bot.github.double_state import (
    CheckRunState,
    FileState,
    IssueCommentState,
    LoggedRequest,
    PullRequestState,
    ReactionState,
    ReviewCommentState,
    ReviewState,
    build_files,
    fake_commit_sha,
    files_from_diff,
)

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROLES = ("admin", "maintain", "write", "triage", "read", "none")


class GitHubDouble:
    """The server and its model. Start it, seed it, point the client at `base_url`."""

    def __init__(
        self,
        app_id: int,
        app_public_key_pem: bytes,
        *,
        app_slug: str = "panicscan",
        app_owner: str = "panicscan-dev",
        token_lifetime: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ctx = DoubleContext(
            app_id=app_id,
            app_slug=app_slug,
            app_owner=app_owner,
            token_lifetime=token_lifetime,
            clock=clock,
        )
        self._public_key = app_public_key_pem
        self.faults = FaultPlan()
        self.conversation = ConversationModel(self._ctx, self)  # pushes, threads, contents
        self._runner: web.AppRunner | None = None
        self.requests: list[LoggedRequest] = []

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> str:
        """Listen on an ephemeral loopback port; returns the base URL."""
        app = web.Application(middlewares=[self._log, self.faults.middleware, auth_and_rate_limit])
        app[CONTEXT_KEY] = self._ctx
        app[PUBLIC_KEY] = self._public_key
        app.add_routes(app_routes)
        app.add_routes(pull_routes)
        app.add_routes(check_routes)
        app[CONVERSATION_KEY] = self.conversation
        app.add_routes(push_routes)
        app.add_routes(graphql_routes)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._ctx.base_url = f"http://{host}:{port}"
        self._ctx.started_at = self._ctx.clock()
        return self._ctx.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return self._ctx.base_url

    def served_routes(self) -> list[tuple[str, str]]:
        """(METHOD, OpenAPI path template) of every endpoint the double serves."""
        out = []
        for table in (app_routes, pull_routes, check_routes):
            for route in table:
                assert isinstance(route, web.RouteDef)
                out.append((route.method, route.path))
        return out

    # -- seeding -------------------------------------------------------------------

    def add_installation(self, installation_id: int, account: str) -> None:
        self._ctx.store.installations[installation_id] = account

    def hide_line(self, pr: PullRequestState, path: str, line: int) -> None:
        """Refuse review comments on `path:line` with a 422, as when GitHub's diff differs."""
        self._ctx.store.hidden_lines.add((pr.owner, pr.repo, pr.number, path, line))

    def revoke_tokens(self, installation_id: int) -> None:
        """Invalidate the installation's tokens early, as GitHub does on expiry or revocation."""
        tokens = self._ctx.store.tokens
        for token in [t for t, state in tokens.items() if state.installation_id == installation_id]:
            del tokens[token]

    def remove_installation(self, installation_id: int) -> None:
        """Uninstall the App: tokens stop working and no new ones can be minted."""
        self.revoke_tokens(installation_id)
        self._ctx.store.installations.pop(installation_id, None)

    def set_permission(self, owner: str, repo: str, user: str, permission: str) -> None:
        """Give `user` a collaborator role (admin|maintain|write|triage|read|none)."""
        if permission not in ROLES:
            raise ValueError(f"unknown permission {permission!r}; use one of {ROLES}")
        self._ctx.store.permissions[(owner.lower(), repo.lower(), user.lower())] = permission

    def set_rate_limit_remaining(
        self, installation_id: int, remaining: int, *, reset_in: float | None = None
    ) -> None:
        """Set the installation's budget; with `reset_in`, it refills that many seconds later."""
        bucket = f"installation:{installation_id}"
        self._ctx.store.remaining[bucket] = remaining
        if reset_in is not None:
            self._ctx.store.resets[bucket] = math.ceil(self._ctx.clock() + reset_in)

    def open_pull_request(
        self,
        owner: str,
        repo: str,
        *,
        base: Mapping[str, bytes],
        head: Mapping[str, bytes],
        title: str = "Change things",
        author: str = "octocat",
        number: int | None = None,
    ) -> PullRequestState:
        """Open a PR from two file trees (path -> bytes); patches are computed like git."""
        files = build_files(base, head)
        for data in [*base.values(), *head.values()]:
            self._ctx.store.blobs[(owner, repo, blob_sha(data))] = data
        return self._store_pull(
            owner=owner, repo=repo, files=files, title=title, author=author, number=number
        )

    def open_pull_request_from_diff(
        self,
        owner: str,
        repo: str,
        *,
        diff: str,
        head_root: Path,
        title: str = "Change things",
        author: str = "octocat",
        number: int | None = None,
    ) -> PullRequestState:
        """Open a PR from a unified diff plus the head tree it applies to.

        Patches are the diff's own hunks; head blobs come from `head_root`. Base
        blobs are unknown, so removed files carry no sha.
        """
        files, blobs = files_from_diff(diff, head_root)
        for data in blobs:
            self._ctx.store.blobs[(owner, repo, blob_sha(data))] = data
        return self._store_pull(
            owner=owner, repo=repo, files=files, title=title, author=author, number=number
        )

    def _store_pull(
        self,
        *,
        owner: str,
        repo: str,
        files: tuple[FileState, ...],
        title: str,
        author: str,
        number: int | None,
    ) -> PullRequestState:
        store = self._ctx.store
        if number is None:
            taken = [n for o, r, n in store.pulls if (o, r) == (owner, repo)]
            number = max(taken, default=0) + 1
        pr = PullRequestState(
            owner=owner,
            repo=repo,
            number=number,
            id=store.next_id(),
            title=title,
            author=author,
            base_ref="main",
            head_ref=f"pr-{number}",
            base_sha=fake_commit_sha(owner, repo, str(number), "base"),
            head_sha=fake_commit_sha(owner, repo, str(number), "head"),
            files=files,
            created_at=iso(self._ctx.clock()),
        )
        store.pulls[(owner, repo, number)] = pr
        store.commits.update({(owner, repo, pr.base_sha), (owner, repo, pr.head_sha)})
        return pr

    # -- faults ----------------------------------------------------------------------

    def inject(  # noqa: PLR0917 - positional shape is the agreed test API
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        delay: float = 0,
    ) -> None:
        """Make the next `times` matching requests fail with `status` after `delay` s.

        `status` 0 only delays; `RESET` (-1) drops the connection with a TCP RST.
        """
        fault = Fault(method.upper(), path_regex, status, times, dict(headers or {}), delay)
        self.faults.add(fault)

    def chaos(self, rate: float, statuses: Sequence[int] = (500, 502, 503), seed: int = 0) -> None:
        """Fail a random `rate` of all requests (after queued faults); 0 turns it off."""
        self.faults.chaos(rate, statuses, seed)

    # -- request log -----------------------------------------------------------------

    @web.middleware
    async def _log(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body: Any = None
        if request.body_exists:
            raw = await request.read()  # aiohttp caches it, so handlers can read again
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                log.debug("non-JSON request body on %s %s", request.method, request.path)
                body = raw.decode("utf-8", errors="replace")
        try:
            response = await handler(request)
        except Exception:
            log.exception("GitHub double failed on %s %s", request.method, request.path)
            raise
        payload: Any = None
        if isinstance(response, web.Response) and response.content_type == "application/json":
            payload = json.loads(response.text or "null")
        resource = request.match_info.route.resource
        self.requests.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                route=resource.canonical if resource is not None else request.path,
                query=dict(request.query),
                status=response.status,
                body=body,
                response=payload,
            )
        )
        return response

    # -- assertions ------------------------------------------------------------------

    @property
    def reviews(self) -> list[ReviewState]:
        return list(self._ctx.store.reviews.values())

    @property
    def review_comments(self) -> list[ReviewCommentState]:
        return list(self._ctx.store.review_comments.values())

    @property
    def check_runs(self) -> list[CheckRunState]:
        return list(self._ctx.store.check_runs.values())

    @property
    def issue_comments(self) -> list[IssueCommentState]:
        return list(self._ctx.store.issue_comments.values())

    @property
    def reactions(self) -> list[ReactionState]:
        return list(self._ctx.store.reactions.values())

    def pull_request(self, owner: str, repo: str, number: int) -> PullRequestState | None:
        return self._ctx.store.pull(owner, repo, number)
