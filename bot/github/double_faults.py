"""Fault injection for the GitHub double: per endpoint, per request, or at random.

A fault answers a matching request with an HTTP status (plus headers), a delay
(then the real answer), or a reset connection (`RESET`). Random faults (chaos)
let the soak benchmark mix failures into ordinary traffic reproducibly (seeded).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from aiohttp import web

from bot.github import double_render as render

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RESET = -1  # status meaning "drop the TCP connection with a RST, send nothing"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass(frozen=True)
class Fault:
    """Answer matching requests with `status` (0 = only delay, then serve normally)."""

    method: str
    path_regex: str
    status: int
    times: int
    headers: Mapping[str, str]
    delay: float


@dataclass(frozen=True)
class Chaos:
    """Fail each request with probability `rate`, picking a fault from `statuses`."""

    rate: float
    statuses: tuple[int, ...]
    rng: random.Random


class FaultPlan:
    """The double's queued faults and chaos setting, consulted by its middleware."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._chaos: Chaos | None = None
        self.injected = 0  # how many requests got a fault (status or reset)

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def chaos(self, rate: float, statuses: Sequence[int], seed: int) -> None:
        self._chaos = Chaos(rate, tuple(statuses), random.Random(seed)) if rate > 0 else None

    def clear(self) -> None:
        self._faults.clear()
        self._chaos = None

    def take(self, request: web.Request) -> Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.method == request.method and re.search(fault.path_regex, request.path):
                if fault.times <= 1:
                    del self._faults[index]
                else:
                    self._faults[index] = replace(fault, times=fault.times - 1)
                return fault
        chaos = self._chaos
        if chaos is not None and chaos.rng.random() < chaos.rate:
            status = chaos.rng.choice(chaos.statuses)
            return Fault(request.method, "", status, 1, _chaos_headers(status), 0.0)
        return None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = self.take(request)
        if fault is None:
            return await handler(request)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status == 0:
            return await handler(request)
        self.injected += 1
        if fault.status == RESET:
            _reset(request)
            return web.Response(status=500)  # never sent: the transport is gone
        message = f"Injected fault ({fault.status})"
        if {k.lower() for k in fault.headers} & {"retry-after"}:
            message = SECONDARY_MESSAGE
        body = render.error(message, status=str(fault.status))
        return web.Response(
            status=fault.status,
            text=json.dumps(body),
            content_type="application/json",
            headers=fault.headers,
        )


def _chaos_headers(status: int) -> dict[str, str]:
    # A random 403/429 is a secondary limit with advice, so retries stay short.
    return {"retry-after": "0"} if status in (403, 429) else {}


def _reset(request: web.Request) -> None:
    """Abort the connection with SO_LINGER 0, so the client sees ECONNRESET."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
