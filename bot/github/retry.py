"""When a failed GitHub call is worth another try, and how long to wait first.

GitHub's own rules (rate-limit docs): with `retry-after`, wait that many seconds;
with `x-ratelimit-remaining: 0`, wait until `x-ratelimit-reset`; a 5xx, a reset
connection or a timeout is retried with jittered exponential backoff. Everything
else (401, 404, 422, a plain 403) is final. Pure: no sleeping, no clock of its own.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from github import GithubException

from bot.errors import GitHubError

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
RATE_LIMIT_STATUSES = frozenset({403, 429})
SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait at least one minute" without retry-after


class Kind(StrEnum):
    FINAL = "final"
    TRANSIENT = "transient"  # 5xx, reset connection, timeout
    RATE_LIMITED = "rate-limited"  # primary or secondary limit: wait as told
    UNAUTHORIZED = "unauthorized"  # 401: the installation token may have expired


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one call. Tests shrink the delays; production keeps these."""

    attempts: int = 4  # total tries for transient failures, the first included
    base_delay: float = 0.5  # first backoff; doubles per retry, full jitter
    max_delay: float = 8.0
    rate_limit_attempts: int = 3  # rate-limit waits per call before giving up
    max_rate_limit_wait: float = 900.0  # longer waits fail the job instead of parking it
    rate_limit_margin: float = 1.0  # added to `x-ratelimit-reset`, against clock skew
    writes_per_minute: float = 80.0  # GitHub's secondary limit on content-creating calls
    write_burst: int = 20  # writes allowed back to back before pacing sets in

    @property
    def write_interval(self) -> float:
        return 60.0 / self.writes_per_minute if self.writes_per_minute > 0 else 0.0


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    wait: float = 0.0  # seconds to wait before the next try (rate limits only)


def _headers(error: GitHubError) -> Mapping[str, str]:
    cause = error.__cause__
    if isinstance(cause, GithubException) and cause.headers:
        return {str(k).lower(): str(v) for k, v in cause.headers.items()}
    return {}


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def classify(error: GitHubError, now: float) -> Verdict:
    """What `error` (translated by errors_map, cause attached) means for a retry."""
    status = error.status
    if status == 0:
        return Verdict(Kind.TRANSIENT)  # transport error: reset, refused, timed out
    if status in TRANSIENT_STATUSES:
        return Verdict(Kind.TRANSIENT)
    if status == 401:
        return Verdict(Kind.UNAUTHORIZED)
    if status in RATE_LIMIT_STATUSES:
        return _rate_limit_verdict(error, now)
    return Verdict(Kind.FINAL)


def _rate_limit_verdict(error: GitHubError, now: float) -> Verdict:
    headers = _headers(error)
    retry_after = _number(headers.get("retry-after"))
    if retry_after is not None:
        return Verdict(Kind.RATE_LIMITED, max(retry_after, 0.0))
    if headers.get("x-ratelimit-remaining") == "0":
        reset = _number(headers.get("x-ratelimit-reset"))
        return Verdict(Kind.RATE_LIMITED, max((reset or now) - now, 0.0))
    # A 429, or a 403 whose message says so, is a secondary limit without advice;
    # any other 403 is a permission problem and final.
    if error.status == 429 or "rate limit" in str(error).lower():
        return Verdict(Kind.RATE_LIMITED, SECONDARY_DEFAULT_WAIT)
    return Verdict(Kind.FINAL)


def backoff(retry: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full-jitter exponential backoff before retry number `retry` (1-based)."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (retry - 1))
    return rng.uniform(0.0, ceiling)
