"""Shared set-up for tests that run the client against the GitHub double."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from bot.github.double import GitHubDouble
from bot.github.retry import RetryPolicy

T = TypeVar("T")
# Real retries with tiny waits: tests count requests, never time them.
FAST = RetryPolicy(base_delay=0.001, max_delay=0.01, rate_limit_margin=0.01, writes_per_minute=0)
APP_ID = 4242
INSTALLATION = 77
OWNER = "acme"
REPO = "widgets"


class FakeClock:
    """A settable clock shared by the double and the token cache."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def public_pem(key: RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def running_double(key: RSAPrivateKey, **options: Any) -> AsyncIterator[GitHubDouble]:
    """A started double with one installation on OWNER."""
    double = GitHubDouble(APP_ID, public_pem(key), **options)
    await double.start()
    double.add_installation(INSTALLATION, OWNER)
    try:
        yield double
    finally:
        await double.stop()


def rust_file(lines: int, tag: str = "") -> bytes:
    return "".join(f"fn f{i}() {{ let _ = {tag}{i}; }}\n" for i in range(lines)).encode()
