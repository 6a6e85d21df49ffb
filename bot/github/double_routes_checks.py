"""The GitHub double's check-run, issue-comment, reaction and permission endpoints."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from bot.github import double_render_checks as render_checks
from bot.github.double_http import (
    context,
    int_param,
    invalid,
    json_body,
    not_found,
    page_of,
    paginate,
    reply,
)
from bot.github.double_routes_pulls import pull_of, repo_of
from bot.github.double_state import (
    CheckRunState,
    IssueCommentState,
    PullRequestState,
    ReactionState,
)
from bot.github.double_validate import check_run_problems, to_annotation

REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")

routes = web.RouteTableDef()


def _run_of(request: web.Request) -> CheckRunState:
    owner, repo = repo_of(request)
    run = context(request).store.check_runs.get(int_param(request, "check_run_id"))
    if run is None or (run.owner, run.repo) != (owner, repo):
        raise not_found()
    return run


def _apply(run: CheckRunState, body: dict[str, Any], now: str) -> CheckRunState:
    """The run after a create/update body; annotations are appended, never replaced."""
    conclusion = body.get("conclusion", run.conclusion)
    status = "completed" if "conclusion" in body else body.get("status", run.status)
    output = body.get("output") or {}
    return dataclasses.replace(
        run,
        name=body.get("name", run.name),
        status=status,
        conclusion=conclusion,
        started_at=body.get("started_at", run.started_at),
        completed_at=body.get("completed_at", run.completed_at or now)
        if status == "completed"
        else None,
        title=output.get("title", run.title),
        summary=output.get("summary", run.summary),
        text=output.get("text", run.text),
        annotations=run.annotations
        + tuple(to_annotation(a) for a in output.get("annotations", [])),
        details_url=body.get("details_url", run.details_url),
        external_id=body.get("external_id", run.external_id),
    )


@routes.post("/repos/{owner}/{repo}/check-runs")
async def create_check_run(request: web.Request) -> web.Response:
    ctx = context(request)
    owner, repo = repo_of(request)
    body = await json_body(request)
    problems = check_run_problems(body, creating=True)
    if problems:
        raise invalid("CheckRun", problems)
    if (owner, repo, body["head_sha"]) not in ctx.store.commits:
        raise invalid("CheckRun", ["No commit found for SHA: " + body["head_sha"]])
    now = ctx.now_iso()
    empty = CheckRunState(
        id=ctx.store.next_id(),
        owner=owner,
        repo=repo,
        name=body["name"],
        head_sha=body["head_sha"],
        status="queued",
        conclusion=None,
        started_at=now,
        completed_at=None,
        title=None,
        summary=None,
        text=None,
        annotations=(),
        details_url=None,
        external_id=None,
    )
    run = _apply(empty, body, now)
    ctx.store.check_runs[run.id] = run
    return reply(render_checks.check_run(ctx.base_url, run, ctx.app_json()), status=201)


@routes.patch("/repos/{owner}/{repo}/check-runs/{check_run_id}")
async def update_check_run(request: web.Request) -> web.Response:
    ctx, run = context(request), _run_of(request)
    body = await json_body(request)
    problems = check_run_problems(body, creating=False)
    if problems:
        raise invalid("CheckRun", problems)
    run = _apply(run, body, ctx.now_iso())
    ctx.store.check_runs[run.id] = run
    return reply(render_checks.check_run(ctx.base_url, run, ctx.app_json()))


@routes.get("/repos/{owner}/{repo}/check-runs/{check_run_id}")
async def get_check_run(request: web.Request) -> web.Response:
    ctx, run = context(request), _run_of(request)
    return reply(render_checks.check_run(ctx.base_url, run, ctx.app_json()))


@routes.get("/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations")
async def list_annotations(request: web.Request) -> web.Response:
    ctx, run = context(request), _run_of(request)
    return paginate(
        request, [render_checks.annotation(ctx.base_url, run, a) for a in run.annotations]
    )


@routes.get("/repos/{owner}/{repo}/commits/{ref}/check-runs")
async def list_check_runs_for_ref(request: web.Request) -> web.Response:
    ctx = context(request)
    owner, repo = repo_of(request)
    ref = request.match_info["ref"]
    runs = [
        render_checks.check_run(ctx.base_url, r, ctx.app_json())
        for r in ctx.store.check_runs.values()
        if (r.owner, r.repo, r.head_sha) == (owner, repo, ref)
    ]
    # This endpoint wraps its page in an object, so page the list then re-wrap it.
    chunk, headers = page_of(request, runs)
    return reply({"total_count": len(runs), "check_runs": chunk}, headers=headers)


@routes.post("/repos/{owner}/{repo}/issues/{issue_number}/comments")
async def create_issue_comment(request: web.Request) -> web.Response:
    ctx = context(request)
    pr = _issue_pull(request)
    body = await json_body(request)
    if not isinstance(body.get("body"), str) or not body["body"]:
        raise invalid("IssueComment", ["`body` is required"])
    comment = IssueCommentState(
        id=ctx.store.next_id(),
        owner=pr.owner,
        repo=pr.repo,
        number=pr.number,
        body=body["body"],
        user=ctx.bot_login,
        created_at=ctx.now_iso(),
    )
    ctx.store.issue_comments[comment.id] = comment
    return reply(render_checks.issue_comment(ctx.base_url, comment), status=201)


@routes.get("/repos/{owner}/{repo}/issues/{issue_number}/comments")
async def list_issue_comments(request: web.Request) -> web.Response:
    ctx = context(request)
    pr = _issue_pull(request)
    comments = [
        render_checks.issue_comment(ctx.base_url, c)
        for c in ctx.store.issue_comments.values()
        if (c.owner, c.repo, c.number) == (pr.owner, pr.repo, pr.number)
    ]
    return paginate(request, comments)


def _issue_pull(request: web.Request) -> PullRequestState:
    # Simplification: the double has no plain issues; every issue number is a PR.
    return pull_of(request, "issue_number")


async def _react(request: web.Request, subject: str) -> web.Response:
    ctx = context(request)
    owner, repo = repo_of(request)
    comment_id = int_param(request, "comment_id")
    comments: dict[int, Any] = (
        dict(ctx.store.review_comments) if subject == "pulls" else dict(ctx.store.issue_comments)
    )
    target = comments.get(comment_id)
    if target is None or (target.owner, target.repo) != (owner, repo):
        raise not_found()
    content = (await json_body(request)).get("content")
    if content not in REACTIONS:
        raise invalid("Reaction", [f"`content` must be one of {', '.join(REACTIONS)}"])
    for existing in ctx.store.reactions.values():
        same = (existing.subject, existing.comment_id, existing.content, existing.user)
        if same == (subject, comment_id, content, ctx.bot_login):
            return reply(render_checks.reaction(ctx.base_url, existing), status=200)
    reaction = ReactionState(
        id=ctx.store.next_id(),
        subject=subject,
        comment_id=comment_id,
        content=content,
        user=ctx.bot_login,
        created_at=ctx.now_iso(),
    )
    ctx.store.reactions[reaction.id] = reaction
    return reply(render_checks.reaction(ctx.base_url, reaction), status=201)


@routes.post("/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions")
async def react_to_review_comment(request: web.Request) -> web.Response:
    return await _react(request, "pulls")


@routes.post("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")
async def react_to_issue_comment(request: web.Request) -> web.Response:
    return await _react(request, "issues")


@routes.get("/repos/{owner}/{repo}/collaborators/{username}/permission")
async def get_permission(request: web.Request) -> web.Response:
    ctx = context(request)
    owner, repo = repo_of(request)
    user = request.match_info["username"]
    role = ctx.store.permissions.get((owner.lower(), repo.lower(), user.lower()))
    if role is None:
        # Simplification: users the test never named do not exist (GitHub: 404).
        raise not_found()
    return reply(render_checks.collaborator_permission(ctx.base_url, user, role))
