"""The GitHub double's repository, pull request, blob, review and comment endpoints."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.github import double_render as render
from bot.github.double_diff import diff_hunk_until, find_hunk, position_of
from bot.github.double_http import (
    DoubleContext,
    context,
    int_param,
    json_body,
    not_found,
    paginate,
    reply,
    unprocessable,
)
from bot.github.double_state import (
    MAX_PR_FILES,
    PullRequestState,
    ReviewCommentState,
    ReviewState,
)
from bot.github.double_validate import review_comment_problems

INSTALLATION_KEY = web.RequestKey("panicscan_double_installation", int)
REVIEW_EVENTS = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}

routes = web.RouteTableDef()


def repo_of(request: web.Request) -> tuple[str, str]:
    """The repo in the path, if it exists and the caller's installation covers it."""
    ctx = context(request)
    owner, repo = request.match_info["owner"], request.match_info["repo"]
    account = ctx.store.installations.get(request.get(INSTALLATION_KEY, -1), "")
    # A token only sees repos of the account it was installed on; others are 404.
    if not ctx.store.repo_exists(owner, repo) or account.lower() != owner.lower():
        raise not_found()
    return owner, repo


def pull_of(request: web.Request, param: str = "pull_number") -> PullRequestState:
    owner, repo = repo_of(request)
    pr = context(request).store.pull(owner, repo, int_param(request, param))
    if pr is None:
        raise not_found()
    return pr


@routes.get("/repos/{owner}/{repo}")
async def get_repo(request: web.Request) -> web.Response:
    owner, repo = repo_of(request)
    return reply(render.repository(context(request).base_url, owner, repo))


@routes.get("/repos/{owner}/{repo}/pulls/{pull_number}")
async def get_pull(request: web.Request) -> web.Response:
    pr = pull_of(request)
    store = context(request).store
    comments = [c for c in store.review_comments.values() if _on(c, pr)]
    issue = [c for c in store.issue_comments.values() if _on(c, pr)]
    return reply(render.pull_request(context(request).base_url, pr, len(comments), len(issue)))


@routes.get("/repos/{owner}/{repo}/pulls/{pull_number}/files")
async def list_files(request: web.Request) -> web.Response:
    pr = pull_of(request)
    base = context(request).base_url
    return paginate(request, [render.diff_entry(base, pr, f) for f in pr.files[:MAX_PR_FILES]])


@routes.get("/repos/{owner}/{repo}/git/blobs/{file_sha}")
async def get_blob(request: web.Request) -> web.Response:
    owner, repo = repo_of(request)
    sha = request.match_info["file_sha"]
    data = context(request).store.blobs.get((owner, repo, sha))
    if data is None:
        raise not_found()
    accept = request.headers.get("Accept", "")
    if "application/vnd.github.raw" in accept:
        return web.Response(body=data, content_type="application/vnd.github.raw")
    return reply(render.blob(context(request).base_url, owner, repo, sha, data))


def _on(record: Any, pr: PullRequestState) -> bool:
    return bool((record.owner, record.repo, record.number) == (pr.owner, pr.repo, pr.number))


def _new_comment(
    ctx: DoubleContext, pr: PullRequestState, review_id: int, c: Mapping[str, Any], commit: str
) -> ReviewCommentState:
    """A validated draft comment as a stored record."""
    side = c.get("side", "RIGHT")
    file = pr.file(c["path"])
    assert file is not None  # validated before
    hunk = find_hunk(file.hunks(), c["line"], side)
    assert hunk is not None
    start_line = c.get("start_line")
    return ReviewCommentState(
        id=ctx.store.next_id(),
        owner=pr.owner,
        repo=pr.repo,
        number=pr.number,
        review_id=review_id,
        path=c["path"],
        line=c["line"],
        side=side,
        start_line=start_line,
        start_side=c.get("start_side", side) if start_line is not None else None,
        body=c["body"],
        commit_id=commit,
        diff_hunk=diff_hunk_until(hunk, c["line"], side),
        position=position_of(file.patch or "", c["line"], side) or 1,
        in_reply_to_id=None,
        user=ctx.bot_login,
        created_at=ctx.now_iso(),
    )


def _commit_of(pr: PullRequestState, body: Mapping[str, Any]) -> str:
    commit = body.get("commit_id", pr.head_sha)
    # Simplification: the double knows one head per PR (no pushes), so only it is valid.
    if commit != pr.head_sha:
        raise unprocessable(["commit_id is not part of the pull request"])
    return str(commit)


@routes.post("/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
async def create_review(request: web.Request) -> web.Response:
    ctx, pr, body = context(request), pull_of(request), await json_body(request)
    event = body.get("event")
    if event is not None and event not in REVIEW_EVENTS:
        raise unprocessable([f"Invalid event {event!r}"])
    text = body.get("body", "")
    if event in ("COMMENT", "REQUEST_CHANGES") and not text:
        raise unprocessable([f"Review body is required for {event}"])
    if len(text) > 65_536:
        raise unprocessable(["Body is too long (maximum is 65536 characters)"])
    commit = _commit_of(pr, body)
    if event is None and _pending_of(ctx, pr) is not None:
        raise unprocessable(["User can only have one pending review per pull request"])
    drafts = body.get("comments", [])
    problems = [p for c in drafts for p in review_comment_problems(pr, c)]
    problems += [_HIDDEN for c in drafts if _hidden(ctx, pr, c)]
    if problems:
        raise unprocessable(problems[:1])  # GitHub names one problem, never the comment
    review = _store_review(
        ctx, pr, body=text, state=REVIEW_EVENTS.get(event or "", "PENDING"), commit_id=commit
    )
    for draft in drafts:
        comment = _new_comment(ctx, pr, review.id, draft, commit)
        ctx.store.review_comments[comment.id] = comment
    return reply(render.review(ctx.base_url, review))


@routes.get("/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
async def list_reviews(request: web.Request) -> web.Response:
    ctx, pr = context(request), pull_of(request)
    reviews = [render.review(ctx.base_url, r) for r in ctx.store.reviews.values() if _on(r, pr)]
    return paginate(request, reviews)


_HIDDEN = "Pull request review thread line must be part of the diff"


def _hidden(ctx: DoubleContext, pr: PullRequestState, comment: Mapping[str, Any]) -> bool:
    """A line seeded as outside GitHub's view of the diff (see GitHubDouble.hide_line)."""
    key = (pr.owner, pr.repo, pr.number, comment.get("path"), comment.get("line"))
    return key in ctx.store.hidden_lines


def _pending_of(ctx: DoubleContext, pr: PullRequestState) -> ReviewState | None:
    return next(
        (
            r
            for r in ctx.store.reviews.values()
            if _on(r, pr) and r.state == "PENDING" and r.user == ctx.bot_login
        ),
        None,
    )


@routes.delete("/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}")
async def delete_pending_review(request: web.Request) -> web.Response:
    ctx, pr = context(request), pull_of(request)
    review = ctx.store.reviews.get(int_param(request, "review_id"))
    if review is None or not _on(review, pr):
        raise not_found()
    if review.state != "PENDING":
        raise unprocessable(["Can not delete a non-pending pull request review"])
    del ctx.store.reviews[review.id]
    for comment_id in [
        c.id for c in ctx.store.review_comments.values() if c.review_id == review.id
    ]:
        del ctx.store.review_comments[comment_id]
    return reply(render.review(ctx.base_url, review))


@routes.get("/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}")
async def get_review(request: web.Request) -> web.Response:
    ctx, pr = context(request), pull_of(request)
    review = ctx.store.reviews.get(int_param(request, "review_id"))
    if review is None or not _on(review, pr):
        raise not_found()
    return reply(render.review(ctx.base_url, review))


@routes.get("/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments")
async def list_review_comments_of_review(request: web.Request) -> web.Response:
    ctx, pr = context(request), pull_of(request)
    review_id = int_param(request, "review_id")
    review = ctx.store.reviews.get(review_id)
    if review is None or not _on(review, pr):
        raise not_found()
    comments = [c for c in ctx.store.review_comments.values() if c.review_id == review_id]
    return paginate(request, [render.review_comment(ctx.base_url, c) for c in comments])


@routes.get("/repos/{owner}/{repo}/pulls/{pull_number}/comments")
async def list_review_comments(request: web.Request) -> web.Response:
    ctx, pr = context(request), pull_of(request)
    comments = [c for c in ctx.store.review_comments.values() if _on(c, pr)]
    return paginate(request, [render.review_comment(ctx.base_url, c) for c in comments])


def _store_review(
    ctx: DoubleContext, pr: PullRequestState, *, body: str, state: str, commit_id: str
) -> ReviewState:
    """A review by the App's bot user on `pr`, stored."""
    review = ReviewState(
        id=ctx.store.next_id(),
        owner=pr.owner,
        repo=pr.repo,
        number=pr.number,
        user=ctx.bot_login,
        body=body,
        state=state,
        commit_id=commit_id,
        submitted_at=ctx.now_iso(),
    )
    ctx.store.reviews[review.id] = review
    return review


def _reply_to(ctx: DoubleContext, pr: PullRequestState, parent_id: int, text: str) -> web.Response:
    parent = ctx.store.review_comments.get(parent_id)
    if parent is None or not _on(parent, pr):
        raise not_found()
    # Simplification: a reply to a reply is threaded under the thread's root.
    root = parent.in_reply_to_id or parent.id
    review = _store_review(ctx, pr, body="", state="COMMENTED", commit_id=parent.commit_id)
    comment = dataclasses.replace(
        parent,
        id=ctx.store.next_id(),
        review_id=review.id,
        body=text,
        in_reply_to_id=root,
        user=ctx.bot_login,
        created_at=ctx.now_iso(),
    )
    ctx.store.review_comments[comment.id] = comment
    return reply(render.review_comment(ctx.base_url, comment), status=201)


@routes.post("/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies")
async def create_reply(request: web.Request) -> web.Response:
    ctx, pr, body = context(request), pull_of(request), await json_body(request)
    if not isinstance(body.get("body"), str):
        raise unprocessable(["`body` is required"])
    return _reply_to(ctx, pr, int_param(request, "comment_id"), body["body"])


@routes.post("/repos/{owner}/{repo}/pulls/{pull_number}/comments")
async def create_review_comment(request: web.Request) -> web.Response:
    ctx, pr, body = context(request), pull_of(request), await json_body(request)
    if isinstance(body.get("in_reply_to"), int):  # GitHub ignores every other field then
        return _reply_to(ctx, pr, body["in_reply_to"], str(body.get("body", "")))
    commit = _commit_of(pr, body)
    problems = review_comment_problems(pr, body)
    if problems:
        raise unprocessable(problems)
    review = _store_review(ctx, pr, body="", state="COMMENTED", commit_id=commit)
    comment = _new_comment(ctx, pr, review.id, body, commit)
    ctx.store.review_comments[comment.id] = comment
    return reply(render.review_comment(ctx.base_url, comment), status=201)
