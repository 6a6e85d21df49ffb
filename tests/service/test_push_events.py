"""push deliveries: which ones make cached configs stale, and malformed ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml
from service_harness import running_service

from bot.service.events import EventContext, Router, make_context
from bot.service.handlers.push import PUSH_COMMITS_LISTED, PushHandler, touches_config, wants_push
from bot.service.handlers.review_cycle import ReviewCycle
from bot.service.waiver_store import MemoryWaiverStore
from bot.service.wiring import build_router

ROOT = Path(__file__).resolve().parents[2]


def _push(ref: str = "refs/heads/main", **extra: Any) -> dict[str, Any]:
    commit = {"id": "c" * 40, "added": [], "modified": ["src/lib.rs"], "removed": []}
    return {
        "ref": ref,
        "forced": False,
        "deleted": False,
        "commits": [commit],
        "repository": {"full_name": "acme/widgets", "default_branch": "main"},
        "installation": {"id": 1},
    } | extra


def test_only_config_paths_or_an_incomplete_file_list_make_the_config_stale() -> None:
    assert not touches_config(_push())
    for path in (".github/panicscan.yml", "clippy.toml", ".clippy.toml"):
        commit = {"added": [], "modified": [], "removed": [path]}
        assert touches_config(_push(commits=[commit]))
    assert not touches_config(
        _push(commits=[{"added": ["docs/clippy.toml"], "modified": [], "removed": []}])
    )
    assert touches_config(_push(forced=True))
    many = [{"added": [], "modified": [], "removed": []}] * PUSH_COMMITS_LISTED
    assert touches_config(_push(commits=many)), "GitHub cut the list: assume a change"
    # Malformed shapes count as "maybe": a stale cache is worse than one extra read.
    assert touches_config(_push(commits="all"))
    assert touches_config(_push(commits=[None]))
    assert touches_config(_push(commits=[{"added": "clippy.toml"}]))
    assert touches_config(_push(commits=[{"added": [1, None], "modified": [], "removed": []}]))
    assert touches_config(_push(forced="true"))
    assert touches_config(_push(deleted=None))
    assert not touches_config({k: v for k, v in _push().items() if k != "forced"})


async def _handled(payload: Any) -> list[str]:
    seen: list[str] = []

    async def changed(repo: str) -> None:
        seen.append(repo)

    await PushHandler(changed).handle(make_context("d-1", "push", payload))
    return seen


async def test_pushes_to_other_branches_and_malformed_payloads_change_nothing() -> None:
    config = [{"added": [".github/panicscan.yml"], "modified": [], "removed": []}]
    assert await _handled(_push(commits=config)) == ["acme/widgets"]
    assert await _handled(_push("refs/heads/feature", commits=config)) == []
    assert await _handled(_push("refs/tags/v1", commits=config)) == []
    assert await _handled({"ref": 7, "repository": []}) == []
    assert await _handled({}) == []
    assert await _handled(_push(repository={"full_name": "acme/widgets"})) == []


def test_the_app_manifest_subscribes_to_exactly_the_events_the_bot_handles() -> None:
    manifest = yaml.safe_load((ROOT / "app.yml").read_text())
    router = build_router(ReviewCycle(cast(Any, None), [], MemoryWaiverStore()))
    handled = {key.partition(".")[0] for key in router.registered()}
    assert set(manifest["default_events"]) == handled - {
        "installation",
        "installation_repositories",
    }


def test_the_web_process_keeps_only_pushes_that_can_change_a_config() -> None:
    config = [{"added": [], "modified": ["clippy.toml"], "removed": []}]
    assert wants_push(_push(commits=config))
    assert not wants_push(_push())  # the default branch, but no config file touched
    assert not wants_push(_push("refs/heads/feature", commits=config))
    assert not wants_push(_push("refs/tags/v1", commits=config))
    # Too malformed to tell: stored, and the handler logs what is missing.
    assert wants_push({"ref": "refs/heads/main"})
    assert wants_push({})


async def test_pushes_that_cannot_matter_are_answered_204_and_never_stored() -> None:
    changed: list[str] = []

    async def config_changed(repo: str) -> None:
        changed.append(repo)

    router = Router()
    router.on("push", PushHandler(config_changed).handle, wants=wants_push)
    config = [{"added": [".github/panicscan.yml"], "modified": [], "removed": []}]
    async with running_service(router) as svc:
        feature = await svc.post(
            "push", _push("refs/heads/feature", commits=config), delivery="p-1"
        )
        code_only = await svc.post("push", _push(), delivery="p-2")
        relevant = await svc.post("push", _push(commits=config), delivery="p-3")
        assert await svc.queue.drain(5)
        assert svc.queue.stats.accepted == 1
    assert (feature.status, code_only.status, relevant.status) == (204, 204, 202)
    assert changed == ["acme/widgets"]


async def test_a_failing_prefilter_keeps_the_delivery() -> None:
    seen: list[str] = []

    async def handler(ctx: EventContext) -> None:
        seen.append(ctx.delivery_id)

    def broken(payload: Any) -> bool:
        raise KeyError("bug")

    router = Router()
    router.on("push", handler, wants=broken)
    async with running_service(router) as svc:
        reply = await svc.post("push", _push(), delivery="p-9")
        assert await svc.queue.drain(5)
    assert reply.status == 202
    assert seen == ["p-9"]
