"""App authentication in the GitHub double: JWT checks, installation tokens, rate limits."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable

import jwt
from aiohttp import web

from bot.github import double_render as render
from bot.github import double_render_checks as render_checks
from bot.github.double_http import (
    DoubleContext,
    context,
    fail,
    int_param,
    iso,
    json_body,
    not_found,
    reply,
)
from bot.github.double_routes_pulls import INSTALLATION_KEY
from bot.github.double_state import TokenState

MAX_JWT_LIFETIME = 600  # GitHub: `exp` at most 10 minutes after `iat`
CLOCK_SKEW = 60  # leeway for `iat` slightly in the future
LIMITS = {"app": 5000, "installation": 5000, "anonymous": 60}
PUBLIC_KEY = web.AppKey("panicscan_double_public_key", bytes)

routes = web.RouteTableDef()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _credential(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    return None


def verify_app_jwt(request: web.Request) -> None:
    """Raise GitHub's 401 unless the request carries a valid JWT for this app."""
    ctx = context(request)
    token = _credential(request)
    if token is None:
        raise fail(401, "A JSON web token could not be decoded")
    try:
        # Time claims are checked below against the double's clock, not the wall clock.
        claims = jwt.decode(
            token,
            request.app[PUBLIC_KEY],
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "require": ["iat", "exp", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise fail(401, f"A JSON web token could not be decoded ({exc})") from exc
    now = ctx.clock()
    iat, exp = claims["iat"], claims["exp"]
    if str(claims["iss"]) != str(ctx.app_id):
        raise fail(401, "'Issuer' claim ('iss') must match the App ID")
    if not isinstance(iat, int | float) or iat > now + CLOCK_SKEW:
        raise fail(
            401, "'Issued at' claim ('iat') must be an Integer representing a time in the past"
        )
    if not isinstance(exp, int | float) or exp <= now:
        raise fail(
            401,
            "'Expiration time' claim ('exp') must be a numeric value representing the future "
            "time at which the assertion expires",
        )
    if exp - iat > MAX_JWT_LIFETIME:
        raise fail(401, "'Expiration time' claim ('exp') is too far in the future")


def _installation_id(request: web.Request) -> int:
    """The installation the request's token belongs to, or GitHub's 401."""
    ctx = context(request)
    token = _credential(request)
    if token is None:
        raise fail(401, "Requires authentication")
    state = ctx.store.tokens.get(token)
    if state is None or state.expires_at <= ctx.clock():
        raise fail(401, "Bad credentials")
    return state.installation_id


def _bucket(request: web.Request) -> tuple[str, str]:
    """(rate-limit bucket, kind) for the caller, authenticating it on the way."""
    if request.path == "/app" or request.path.startswith("/app/"):
        verify_app_jwt(request)
        return "app", "app"
    installation_id = _installation_id(request)
    request[INSTALLATION_KEY] = installation_id
    return f"installation:{installation_id}", "installation"


def _reset_of(ctx: DoubleContext, bucket: str) -> float:
    """When the bucket refills: a seeded time, else an hour after the double started."""
    return ctx.store.resets.get(bucket, ctx.started_at + 3600)


@web.middleware
async def auth_and_rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate, spend one request of the caller's hourly budget, add the headers."""
    ctx = context(request)
    bucket, kind = "anonymous", "anonymous"
    try:
        bucket, kind = _bucket(request)
        limit = LIMITS[kind]
        if ctx.clock() >= _reset_of(ctx, bucket):
            ctx.store.remaining[bucket] = limit  # the window is over: budget refilled
            ctx.store.resets.pop(bucket, None)
        remaining = ctx.store.remaining.setdefault(bucket, limit)
        if remaining <= 0:
            who = request.get(INSTALLATION_KEY, ctx.app_id)
            raise fail(403, f"API rate limit exceeded for installation ID {who}.")
        ctx.store.remaining[bucket] = remaining - 1
        response = await handler(request)
    except web.HTTPException as exc:
        text = exc.text or ""
        if exc.content_type != "application/json":  # aiohttp's own 404/405 pages
            text = json.dumps(render.error(exc.reason, status=str(exc.status)))
        headers = {k: v for k, v in exc.headers.items() if k.lower() != "content-type"}
        response = web.Response(
            status=exc.status, text=text, content_type="application/json", headers=headers
        )
    limit = LIMITS[kind]
    remaining = ctx.store.remaining.get(bucket, limit)
    response.headers.update(
        {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-used": str(limit - remaining),
            "x-ratelimit-reset": str(int(_reset_of(ctx, bucket))),
            "x-ratelimit-resource": "core",
        }
    )
    return response


@routes.post("/app/installations/{installation_id}/access_tokens")
async def create_access_token(request: web.Request) -> web.Response:
    ctx = context(request)
    installation_id = int_param(request, "installation_id")
    if installation_id not in ctx.store.installations:
        raise not_found()
    body = await json_body(request)
    token = "ghs_" + secrets.token_hex(18)
    expires_at = ctx.clock() + ctx.token_lifetime
    ctx.store.tokens[token] = TokenState(installation_id=installation_id, expires_at=expires_at)
    permissions = body.get("permissions") or {
        "checks": "write",
        "contents": "read",
        "metadata": "read",
        "pull_requests": "write",
    }
    data = {
        "token": token,
        "expires_at": iso(expires_at),
        "permissions": permissions,
        "repository_selection": "all",
    }
    return reply(data, status=201)


@routes.get("/app")
async def get_app(request: web.Request) -> web.Response:
    return reply(context(request).app_json())


@routes.get("/app/installations/{installation_id}")
async def get_installation(request: web.Request) -> web.Response:
    ctx = context(request)
    installation_id = int_param(request, "installation_id")
    account = ctx.store.installations.get(installation_id)
    if account is None:
        raise not_found()
    return reply(
        render_checks.installation(ctx.base_url, installation_id, account, ctx.app_id, ctx.app_slug)
    )
