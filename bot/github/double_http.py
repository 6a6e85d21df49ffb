"""Shared plumbing of the GitHub double's handlers: context, JSON replies, paging."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.github import double_render as render
from bot.github import double_render_checks as render_checks
from bot.github.double_state import DoubleStore

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


@dataclass
class DoubleContext:
    """What every handler needs; `base_url` is set once the server listens."""

    app_id: int
    app_slug: str
    app_owner: str
    token_lifetime: float
    clock: Callable[[], float] = time.time
    store: DoubleStore = field(default_factory=DoubleStore)
    base_url: str = ""
    started_at: float = 0.0  # rate-limit windows reset an hour after this

    def now_iso(self) -> str:
        return iso(self.clock())

    @property
    def bot_login(self) -> str:
        return f"{self.app_slug}[bot]"

    def app_json(self) -> render.Json:
        return render_checks.app(self.base_url, self.app_id, self.app_slug, self.app_owner)


CONTEXT_KEY = web.AppKey("panicscan_double_context", DoubleContext)


def context(request: web.Request) -> DoubleContext:
    return request.app[CONTEXT_KEY]


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(data),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def fail(code: int, message: str, **extra: Any) -> web.HTTPException:
    """An HTTP error carrying GitHub's `{message, documentation_url}` JSON."""
    cls: type[web.HTTPException] = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        409: web.HTTPConflict,
        422: web.HTTPUnprocessableEntity,
    }.get(code, web.HTTPInternalServerError)
    return cls(text=json.dumps(render.error(message, **extra)), content_type="application/json")


def not_found() -> web.HTTPException:
    return fail(404, "Not Found", status="404")


def unprocessable(errors: Sequence[str]) -> web.HTTPException:
    """GitHub's `validation-error-simple` 422 (the shape reviews and comments use)."""
    return fail(422, "Unprocessable Entity", errors=list(errors), status="422")


def invalid(resource: str, errors: Sequence[str]) -> web.HTTPException:
    """GitHub's `validation-error` 422 with error objects."""
    items = [{"resource": resource, "code": "invalid", "message": e} for e in errors]
    return fail(422, "Validation Failed", errors=items, status="422")


async def json_body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        data = await request.json()
    except ValueError as exc:
        raise fail(400, f"Problems parsing JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise fail(400, "Problems parsing JSON: expected an object")
    return data


def int_param(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise not_found()
    return int(raw)


def paginate(request: web.Request, items: Sequence[Any]) -> web.Response:
    """One page of `items` with RFC 5988 Link headers on the double's own host."""
    chunk, headers = page_of(request, items)
    return reply(chunk, headers=headers)


def page_of(request: web.Request, items: Sequence[Any]) -> tuple[list[Any], dict[str, str]]:
    """The requested page of `items` and its Link header (empty when one page)."""
    try:
        per_page = int(request.query.get("per_page", DEFAULT_PER_PAGE))
        page = int(request.query.get("page", 1))
    except ValueError as exc:
        raise fail(422, f"Invalid pagination parameter: {exc}") from exc
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = max(page, 1)
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])

    def url(number: int) -> str:
        query = dict(request.query) | {"per_page": str(per_page), "page": str(number)}
        return f"{context(request).base_url}{request.path}?{urlencode(query)}"

    links = []
    if page > 1:
        links += [f'<{url(page - 1)}>; rel="prev"']
    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{url(1)}>; rel="first"']
    return chunk, ({"Link": ", ".join(links)} if links else {})
