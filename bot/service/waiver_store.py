"""Where waivers and handled commands are kept: the durable store in production, memory
in tests that want to lose everything on purpose (the "database wiped" scenario).

Async, because the durable store's calls run off the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Protocol

from bot.service.store import Store
from bot.service.waivers import Waiver

PRRef = tuple[str, int]  # (repository full name, PR number)
MAX_HANDLED = 100_000  # handled-command memory is bounded; the oldest are forgotten first


def _command_key(command: str) -> str:
    return " ".join(command.lower().split())[:500]


class WaiverStore(Protocol):
    async def waivers(self, pr: PRRef) -> Mapping[str, Waiver]:
        """Waivers of a PR by fingerprint."""
        ...

    async def add(self, pr: PRRef, waiver: Waiver) -> None: ...

    async def remove(self, pr: PRRef, fingerprint: str) -> bool: ...

    async def first_time(self, comment_id: int, command: str) -> bool:
        """True the first time (comment id, command line) is seen; an edit repeats none."""
        ...


class MemoryWaiverStore:
    def __init__(self) -> None:
        self._waivers: dict[PRRef, dict[str, Waiver]] = {}
        self._handled: dict[tuple[int, str], None] = {}  # insertion-ordered set

    async def waivers(self, pr: PRRef) -> Mapping[str, Waiver]:
        return dict(self._waivers.get(pr, {}))

    async def add(self, pr: PRRef, waiver: Waiver) -> None:
        self._waivers.setdefault(pr, {})[waiver.fingerprint] = waiver

    async def remove(self, pr: PRRef, fingerprint: str) -> bool:
        return self._waivers.get(pr, {}).pop(fingerprint, None) is not None

    async def first_time(self, comment_id: int, command: str) -> bool:
        key = (comment_id, _command_key(command))
        if key in self._handled:
            return False
        self._handled[key] = None
        while len(self._handled) > MAX_HANDLED:
            del self._handled[next(iter(self._handled))]
        return True

    def clear(self) -> None:
        """Lose everything (the 'database wiped' scenario)."""
        self._waivers.clear()
        self._handled.clear()


class DurableWaiverStore:
    """Waivers in the service's database (SQLite or PostgreSQL), kept across restarts."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def waivers(self, pr: PRRef) -> Mapping[str, Waiver]:
        rows = await asyncio.to_thread(self._store.waivers_of, pr[0], pr[1])
        return {w.fingerprint: w for w in rows}

    async def add(self, pr: PRRef, waiver: Waiver) -> None:
        await asyncio.to_thread(self._store.add_waiver, pr[0], pr[1], waiver, time.time())

    async def remove(self, pr: PRRef, fingerprint: str) -> bool:
        return await asyncio.to_thread(self._store.remove_waiver, pr[0], pr[1], fingerprint)

    async def first_time(self, comment_id: int, command: str) -> bool:
        return await asyncio.to_thread(
            self._store.first_handling, comment_id, _command_key(command), time.time()
        )
