"""Waivers and handled commands in the durable store, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_store_support import database_url, pg_admin_url  # noqa: F401 - fixtures

from bot.service.store import Store, open_store
from bot.service.waiver_store import DurableWaiverStore
from bot.service.waivers import Waiver

PR = ("acme/edge", 7)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:  # noqa: F811
    s = open_store(database_url)
    s.migrate()
    yield s
    s.close()


def _waiver(fp: str, reason: str = "validated upstream") -> Waiver:
    return Waiver(
        fp, "unwrap-used", "src/lib.rs", "alice", reason, "a" * 40, "2026-12-03T10:00:00Z"
    )


async def test_waivers_survive_a_reopened_store_with_their_audit_trail(
    store: Store,
    database_url: str,  # noqa: F811
) -> None:
    waivers = DurableWaiverStore(store)
    await waivers.add(PR, _waiver("f1"))
    await waivers.add(PR, _waiver("f2", "'; DROP TABLE waivers; --"))
    reopened = open_store(database_url)
    try:
        got = await DurableWaiverStore(reopened).waivers(PR)
    finally:
        reopened.close()
    assert got == {"f1": _waiver("f1"), "f2": _waiver("f2", "'; DROP TABLE waivers; --")}
    assert await waivers.waivers(("acme/edge", 8)) == {}


async def test_waiving_again_updates_and_unignore_removes(store: Store) -> None:
    waivers = DurableWaiverStore(store)
    await waivers.add(PR, _waiver("f1", "first"))
    await waivers.add(PR, _waiver("f1", "second"))
    assert (await waivers.waivers(PR))["f1"].reason == "second"
    assert await waivers.remove(PR, "f1") is True
    assert await waivers.remove(PR, "f1") is False
    assert await waivers.waivers(PR) == {}


async def test_a_command_is_handled_once_per_comment(store: Store) -> None:
    waivers = DurableWaiverStore(store)
    assert await waivers.first_time(11, "/panicscan ignore ok")
    assert not await waivers.first_time(11, "/PANICSCAN   ignore ok")
    assert await waivers.first_time(11, "/panicscan explain")
    assert await waivers.first_time(12, "/panicscan ignore ok")
    assert await waivers.first_time(13, "/panicscan ignore " + "x" * 100_000)
