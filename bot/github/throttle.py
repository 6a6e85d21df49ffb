"""Per-installation rate-limit state: waits, write pacing, and what metrics can read.

Each installation has its own budget at GitHub, so each gets its own state: one
installation that is rate limited parks only its own calls (with asyncio sleeps),
never the event loop or another installation's jobs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from github import GithubException

from bot.errors import GitHubError

Sleep = Callable[[float], Awaitable[None]]
CONTENT_CREATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class RateLimitSnapshot:
    """The last rate-limit headers GitHub sent for one installation (-1 = not seen yet)."""

    installation_id: int
    limit: int
    remaining: int
    reset_at: float  # epoch seconds; 0 when unknown
    blocked_until: float  # epoch seconds this installation's calls wait for; 0 = not blocked


class InstallationThrottle:
    """Blocks, pacing and the latest budget of one installation. Used from the event loop."""

    def __init__(
        self,
        installation_id: int,
        write_interval: float,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        *,
        burst: int = 1,
    ) -> None:
        self.installation_id = installation_id
        self._write_interval = write_interval
        self._clock = clock
        self._sleep = sleep
        self._blocked_until = 0.0
        # A token bucket: `burst` writes at once, then one per `write_interval`.
        self._burst = max(burst, 1)
        self._tokens = float(self._burst)
        self._refilled = time.monotonic()
        self._write_lock: asyncio.Lock | None = None
        self._limit = -1
        self._remaining = -1
        self._reset_at = 0.0

    async def before(self, method: str) -> None:
        """Wait out a known rate-limit block, then pace content-creating calls."""
        await self._wait_block()
        if method.upper() not in CONTENT_CREATING or self._write_interval <= 0:
            return
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) * self._write_interval)
                self._refill()
            self._tokens = max(self._tokens - 1, 0.0)

    def _refill(self) -> None:
        now = time.monotonic()
        gained = (now - self._refilled) / self._write_interval
        self._tokens = min(float(self._burst), self._tokens + gained)
        self._refilled = now

    async def _wait_block(self) -> None:
        while (delay := self._blocked_until - self._clock()) > 0:
            await self._sleep(delay)

    def block_for(self, seconds: float) -> None:
        """GitHub said to wait: every call of this installation waits until then."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def observe(self, limit: int, remaining: int, reset_at: float) -> None:
        """Record the budget from a response (PyGithub's requester keeps the last one)."""
        if limit >= 0 and remaining >= 0:
            self._limit, self._remaining, self._reset_at = limit, remaining, reset_at

    def observe_error(self, error: GitHubError) -> None:
        cause = error.__cause__
        if not isinstance(cause, GithubException) or not cause.headers:
            return
        headers = {str(k).lower(): str(v) for k, v in cause.headers.items()}
        try:
            self.observe(
                int(headers["x-ratelimit-limit"]),
                int(headers["x-ratelimit-remaining"]),
                float(headers["x-ratelimit-reset"]),
            )
        except (KeyError, ValueError):
            return  # no (or unreadable) budget headers on this reply: keep the last ones

    def snapshot(self) -> RateLimitSnapshot:
        blocked = self._blocked_until if self._blocked_until > self._clock() else 0.0
        return RateLimitSnapshot(
            self.installation_id, self._limit, self._remaining, self._reset_at, blocked
        )


class Throttles:
    """One InstallationThrottle per installation, created on first use."""

    def __init__(
        self,
        write_interval: float,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        *,
        burst: int = 1,
    ) -> None:
        self._write_interval = write_interval
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._by_installation: dict[int, InstallationThrottle] = {}

    def of(self, installation_id: int) -> InstallationThrottle:
        throttle = self._by_installation.get(installation_id)
        if throttle is None:
            throttle = InstallationThrottle(
                installation_id, self._write_interval, self._clock, self._sleep, burst=self._burst
            )
            self._by_installation[installation_id] = throttle
        return throttle

    def forget(self, installation_id: int) -> None:
        self._by_installation.pop(installation_id, None)

    def configure(self, write_interval: float, burst: int) -> None:
        """New pacing for installations seen from now on (existing ones keep theirs)."""
        self._write_interval, self._burst = write_interval, burst

    def snapshots(self) -> Mapping[int, RateLimitSnapshot]:
        """Every installation's latest budget: the value a /metrics endpoint exports."""
        return {i: t.snapshot() for i, t in sorted(self._by_installation.items())}
