"""Service-test plumbing: an asyncio runner for `async def` tests and the payload fixture."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess

import pytest
from service_harness import EXAMPLES_INDEX, REPO_ROOT, WebhookExamples

ASYNC_TEST_TIMEOUT = 20.0


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests on a fresh event loop (no pytest-asyncio needed)."""
    func = pyfuncitem.obj
    if not inspect.iscoroutinefunction(func):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(func(**kwargs), ASYNC_TEST_TIMEOUT))
    return True


@pytest.fixture(scope="session")
def examples() -> WebhookExamples:
    if not EXAMPLES_INDEX.exists():
        subprocess.run([str(REPO_ROOT / "scripts/fetch-fixtures")], check=True, timeout=300)
    return WebhookExamples(json.loads(EXAMPLES_INDEX.read_text(encoding="utf-8")))
