"""POST /graphql on the GitHub double: a PR's review threads, resolve and unresolve.

Simplification: there is no GraphQL parser. The operation is recognised by the one
field it names (`reviewThreads`, `resolveReviewThread`, `unresolveReviewThread`) and
its input comes from `variables`, which is how bot/github/conversation.py sends it.
The answer holds every field the bot may ask for (the pull request's own fields, and
per comment its id, body, url and author), whether the query named it or not.
Anything else gets a GraphQL error, as GitHub answers a query it cannot run: HTTP
200 with an `errors` list. A thread is a root review comment plus its replies; like
GitHub's GraphQL, a bot author's login has no `[bot]` suffix.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiohttp import web

from bot.github.double_http import context, reply
from bot.github.double_push import CONVERSATION_KEY, ConversationModel
from bot.github.double_routes_pulls import INSTALLATION_KEY
from bot.github.double_state import DoubleStore, PullRequestState, ReviewCommentState

MAX_PAGE = 100
THREAD_PREFIX = "PRRT_"

routes = web.RouteTableDef()


def _error(message: str, kind: str | None = None) -> web.Response:
    error: dict[str, Any] = {"message": message}
    if kind is not None:
        error["type"] = kind
    return reply({"data": None, "errors": [error]})


def thread_id(root_id: int) -> str:
    return f"{THREAD_PREFIX}{root_id}"


def _author(login: str) -> dict[str, str]:
    if login.endswith("[bot]"):
        return {"login": login.removesuffix("[bot]"), "__typename": "Bot"}
    return {"login": login, "__typename": "User"}


def _comment(base: str, c: ReviewCommentState) -> dict[str, Any]:
    return {
        "databaseId": c.id,
        "body": c.body,
        "author": _author(c.user),
        "url": f"{base}/{c.owner}/{c.repo}/pull/{c.number}#discussion_r{c.id}",
    }


def _thread(
    root: ReviewCommentState, replies: list[ReviewCommentState], resolved: bool, base: str = ""
) -> dict[str, Any]:
    comments = [root, *replies][:MAX_PAGE]
    return {
        "id": thread_id(root.id),
        "isResolved": resolved,
        "isOutdated": root.line is None,
        "path": root.path,
        "line": root.line,
        "comments": {
            "totalCount": 1 + len(replies),
            "nodes": [_comment(base, c) for c in comments],
        },
    }


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _index_of(cursor: object) -> int | None:
    if cursor is None:
        return 0
    if not isinstance(cursor, str):
        return None
    try:
        text = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    prefix, _, number = text.partition(":")
    return int(number) + 1 if prefix == "cursor" and number.isdigit() else None


def _pull_fields(base: str, pr: PullRequestState) -> dict[str, Any]:
    """The pull request's own fields; the double's PRs are open, unmerged, not drafts."""
    return {
        "number": pr.number,
        "state": "OPEN",
        "merged": False,
        "isDraft": False,
        "headRefOid": pr.head_sha,
        "baseRefOid": pr.base_sha,
        "url": f"{base}/{pr.owner}/{pr.repo}/pull/{pr.number}",
        "author": _author(pr.author),
    }


def _review_threads(
    store: DoubleStore,
    model: ConversationModel,
    account: str,
    variables: dict[str, Any],
    base: str = "",
) -> web.Response:
    owner, name, number = variables.get("owner"), variables.get("name"), variables.get("number")
    if not (isinstance(owner, str) and isinstance(name, str) and isinstance(number, int)):
        return _error("Variables owner (String!), name (String!), number (Int!) are required")
    first = variables.get("first", MAX_PAGE)
    if not isinstance(first, int) or not 1 <= first <= MAX_PAGE:
        return _error(f"`first` must be between 1 and {MAX_PAGE}")
    start = _index_of(variables.get("after"))
    if start is None:
        return _error("`after` is not a valid cursor")
    pr = store.pull(owner, name, number)
    if pr is None or account.lower() != owner.lower():
        return _error(
            f"Could not resolve to a PullRequest with the number of {number}.", "NOT_FOUND"
        )
    where = (owner, name, number)
    on_pr = [c for c in store.review_comments.values() if (c.owner, c.repo, c.number) == where]
    roots = sorted((c for c in on_pr if c.in_reply_to_id is None), key=lambda c: c.id)
    page = roots[start : start + first]
    nodes = [
        _thread(
            root,
            sorted((c for c in on_pr if c.in_reply_to_id == root.id), key=lambda c: c.id),
            root.id in model.resolved,
            base,
        )
        for root in page
    ]
    end = start + len(page)
    threads = {
        "totalCount": len(roots),
        "pageInfo": {
            "hasNextPage": end < len(roots),
            "endCursor": _cursor(end - 1) if page else None,
        },
        "nodes": nodes,
    }
    pull = _pull_fields(base, pr) | {"reviewThreads": threads}
    return reply({"data": {"repository": {"pullRequest": pull}}})


def _set_resolved(
    store: DoubleStore,
    model: ConversationModel,
    account: str,
    variables: dict[str, Any],
    *,
    field: str,
    resolved: bool,
) -> web.Response:
    raw = variables.get("threadId")
    root_id = (
        int(raw.removeprefix(THREAD_PREFIX))
        if isinstance(raw, str)
        and raw.startswith(THREAD_PREFIX)
        and raw.removeprefix(THREAD_PREFIX).isdigit()
        else None
    )
    root = store.review_comments.get(root_id) if root_id is not None else None
    if root is None or root.in_reply_to_id is not None or root.owner.lower() != account.lower():
        return _error(f"Could not resolve to a node with the global id of '{raw}'", "NOT_FOUND")
    if resolved:
        model.resolved.add(root.id)
    else:
        model.resolved.discard(root.id)
    on_pr = [c for c in store.review_comments.values() if c.in_reply_to_id == root.id]
    thread = _thread(root, sorted(on_pr, key=lambda c: c.id), resolved)
    return reply({"data": {field: {"thread": thread}}})


@routes.post("/graphql")
async def graphql(request: web.Request) -> web.Response:
    ctx = context(request)
    model = request.app[CONVERSATION_KEY]
    account = ctx.store.installations.get(request.get(INSTALLATION_KEY, -1), "")
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"message": "Problems parsing JSON"}, status=400)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return web.json_response({"message": "A query attribute must be specified"}, status=400)
    query: str = body["query"]
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return _error("Variables must be an object")
    if "unresolveReviewThread" in query:
        return _set_resolved(
            ctx.store, model, account, variables, field="unresolveReviewThread", resolved=False
        )
    if "resolveReviewThread" in query:
        return _set_resolved(
            ctx.store, model, account, variables, field="resolveReviewThread", resolved=True
        )
    if "reviewThreads" in query:
        return _review_threads(ctx.store, model, account, variables, ctx.base_url)
    return _error("Simplification: the double answers reviewThreads and (un)resolveReviewThread")
