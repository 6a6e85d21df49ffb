"""Retry decisions and per-installation pacing, on their own (no network, no real sleeps)."""

from __future__ import annotations

import random

import pytest
from github import GithubException

from bot.errors import GitHubError
from bot.github.retry import DEFAULT_POLICY, SECONDARY_DEFAULT_WAIT, Kind, backoff, classify
from bot.github.throttle import InstallationThrottle, Throttles

NOW = 1_700_000_000.0


def _error(status: int, headers: dict[str, str] | None = None, message: str = "x") -> GitHubError:
    try:
        raise GithubException(status, {"message": message}, headers or {})
    except GithubException as cause:
        error = GitHubError(f"GET /x: HTTP {status}: {message}", status=status)
        error.__cause__ = cause
        return error


@pytest.mark.parametrize("status", [0, 500, 502, 503, 504])
def test_server_and_transport_errors_are_transient(status: int) -> None:
    assert classify(_error(status), NOW).kind is Kind.TRANSIENT


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_client_errors_are_final(status: int) -> None:
    assert classify(_error(status), NOW).kind is Kind.FINAL


def test_retry_after_is_obeyed_on_403_and_429() -> None:
    for status in (403, 429):
        verdict = classify(_error(status, {"Retry-After": "7"}), NOW)
        assert (verdict.kind, verdict.wait) == (Kind.RATE_LIMITED, 7.0)


def test_exhausted_primary_limit_waits_until_reset() -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW + 42))}
    verdict = classify(_error(403, headers), NOW)
    assert (verdict.kind, verdict.wait) == (Kind.RATE_LIMITED, 42.0)


def test_secondary_limit_without_advice_waits_a_minute() -> None:
    verdict = classify(_error(403, message="You have exceeded a secondary rate limit"), NOW)
    assert (verdict.kind, verdict.wait) == (Kind.RATE_LIMITED, SECONDARY_DEFAULT_WAIT)
    assert classify(_error(429), NOW).wait == SECONDARY_DEFAULT_WAIT


def test_garbled_rate_limit_headers_do_not_raise() -> None:
    headers = {"retry-after": "soon", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "never"}
    verdict = classify(_error(429, headers), NOW)
    assert verdict.kind is Kind.RATE_LIMITED and verdict.wait == 0.0


def test_plain_403_is_final_and_401_asks_for_a_new_token() -> None:
    assert classify(_error(403, message="Resource not accessible"), NOW).kind is Kind.FINAL
    assert classify(_error(401), NOW).kind is Kind.UNAUTHORIZED


def test_backoff_is_jittered_and_capped() -> None:
    rng = random.Random(1)
    delays = [backoff(n, DEFAULT_POLICY, rng) for n in range(1, 20)]
    assert all(0 <= d <= DEFAULT_POLICY.max_delay for d in delays)
    assert len(set(delays)) == len(delays)  # jitter: no two retries in lockstep


async def test_writes_are_paced_and_reads_are_not() -> None:
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    throttle = InstallationThrottle(1, write_interval=0.75, sleep=sleep)
    for method in ("GET", "POST", "GET", "PATCH", "POST"):
        await throttle.before(method)
    assert len(asked) == 2  # the second and third write waited, reads never did
    assert all(0 < s <= 0.75 for s in asked)


async def test_block_parks_only_its_own_installation() -> None:
    now = [NOW]
    asked: list[tuple[int, float]] = []
    throttles = Throttles(0.0, clock=lambda: now[0])

    async def sleep_for(installation: int, seconds: float) -> None:
        asked.append((installation, seconds))
        now[0] += seconds

    a, b = throttles.of(1), throttles.of(2)
    a._sleep = lambda s: sleep_for(1, s)  # type: ignore[method-assign]
    b._sleep = lambda s: sleep_for(2, s)  # type: ignore[method-assign]
    a.block_for(30)
    await b.before("GET")
    await a.before("GET")
    assert asked == [(1, 30.0)]
    assert throttles.snapshots()[1].blocked_until == 0.0  # over once waited


def test_snapshot_keeps_the_last_readable_budget() -> None:
    throttle = InstallationThrottle(5, write_interval=0)
    assert throttle.snapshot().remaining == -1
    throttle.observe(5000, 4990, NOW + 60)
    throttle.observe(-1, -1, 0)  # a reply without headers
    throttle.observe_error(_error(403, {"x-ratelimit-limit": "bad"}))
    snap = throttle.snapshot()
    assert (snap.limit, snap.remaining, snap.reset_at) == (5000, 4990, NOW + 60)
    throttle.observe_error(
        _error(
            403,
            {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "9"},
        )
    )
    assert throttle.snapshot().remaining == 0
