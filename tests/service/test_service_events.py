import logging
from typing import Any

import pytest
from service_harness import WebhookExamples

from bot.service.events import EventContext, Router, get_list, get_mapping, get_path, make_context

PAYLOAD: dict[str, Any] = {
    "action": "opened",
    "number": 7,
    "flag": True,
    "pull_request": {"head": {"sha": "abc"}, "labels": [{"name": "bug"}, "oops"]},
}


def test_get_path_returns_a_value_of_the_requested_type() -> None:
    assert get_path(PAYLOAD, "pull_request", "head", "sha", type=str) == "abc"
    assert get_path(PAYLOAD, "pull_request", "labels", 0, "name", type=str) == "bug"
    assert get_path(PAYLOAD, "pull_request", "labels", -1, type=str) == "oops"
    assert get_path(PAYLOAD, "number", type=int) == 7
    assert get_path(PAYLOAD, "flag", type=bool) is True


@pytest.mark.parametrize(
    "keys",
    [
        ("missing",),
        ("pull_request", "head", "ref"),
        ("pull_request", "head", "sha", "deeper"),  # a string is not an object
        ("pull_request", "labels", 5, "name"),  # index out of range
        ("pull_request", "labels", -3),
        ("pull_request", "labels", "name"),  # a list is not an object
        ("pull_request", 0),  # an object is not a list
        ("pull_request", "labels", 1, "name"),  # "oops" is not an object
    ],
)
def test_get_path_gives_none_for_wrong_shaped_json(keys: tuple[str | int, ...]) -> None:
    assert get_path(PAYLOAD, *keys, type=str) is None


def test_get_path_gives_none_for_wrong_leaf_type() -> None:
    assert get_path(PAYLOAD, "number", type=str) is None
    assert get_path(PAYLOAD, "pull_request", "head", "sha", type=int) is None


def test_json_true_is_not_an_int() -> None:
    assert get_path(PAYLOAD, "flag", type=int) is None


def test_get_path_on_non_mapping_root_gives_none() -> None:
    assert get_path(None, "a", type=str) is None
    assert get_path([1, 2], 0, type=int) == 1


def test_get_mapping_and_get_list_check_container_type() -> None:
    assert get_mapping(PAYLOAD, "pull_request", "head") == {"sha": "abc"}
    assert get_mapping(PAYLOAD, "pull_request", "labels") is None
    assert get_list(PAYLOAD, "pull_request", "labels") == [{"name": "bug"}, "oops"]
    assert get_list(PAYLOAD, "pull_request", "head") is None


async def _noop(_ctx: EventContext) -> None:
    return None


async def _other(_ctx: EventContext) -> None:
    return None


def test_router_matches_event_action_and_event_wide_keys() -> None:
    router = Router()
    router.on("pull_request.opened", _noop)
    router.on("pull_request", _other)
    assert router.route("pull_request", "opened") == [_other, _noop]
    assert router.route("pull_request", "closed") == [_other]
    assert router.route("pull_request", None) == [_other]
    assert router.route("issues", "opened") == []
    assert not router.handles("push", None)


def test_router_runs_a_handler_once_even_if_registered_twice() -> None:
    router = Router()
    router.on("pull_request.synchronize", _noop)
    router.on("pull_request", _noop)
    assert router.route("pull_request", "synchronize") == [_noop]


@pytest.mark.parametrize("key", ["", ".opened", "pull_request.", "a.b.c"])
def test_router_rejects_malformed_keys(key: str) -> None:
    with pytest.raises(ValueError, match=r"event\.action"):
        Router().on(key, _noop)


def test_context_from_real_pull_request_opened(examples: WebhookExamples) -> None:
    payload = examples.get("pull_request", "opened", installation=True)
    ctx = make_context("d-1", "pull_request", payload)
    assert ctx.action == "opened"
    assert ctx.key == "pull_request.opened"
    assert ctx.installation_id == payload["installation"]["id"]
    assert ctx.repo_full_name == "Codertocat/Hello-World"
    assert ctx.pr_number == 2
    assert ctx.pr_key == ("Codertocat/Hello-World", 2)
    assert ctx.payload == payload


def test_context_without_installation_has_none(examples: WebhookExamples) -> None:
    payload = examples.get("pull_request", "opened")
    assert "installation" not in payload
    assert make_context("d-1", "pull_request", payload).installation_id is None


def test_check_run_is_ordered_with_its_pull_request(examples: WebhookExamples) -> None:
    ctx = make_context("d", "check_run", examples.get("check_run", "created"))
    assert ctx.pr_key == ("Codertocat/Hello-World", 2)


def test_fork_check_suite_without_pull_requests_is_unordered(examples: WebhookExamples) -> None:
    payload = examples.get("check_suite", "requested")
    assert payload["check_suite"]["pull_requests"] == []
    assert make_context("d", "check_suite", payload).pr_key is None


def test_issue_comment_is_keyed_only_when_the_issue_is_a_pull_request(
    examples: WebhookExamples,
) -> None:
    payload = examples.get("issue_comment", "created")
    assert make_context("d", "issue_comment", payload).pr_key is None
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/x/y/pulls/1"}
    assert make_context("d", "issue_comment", payload).pr_key == ("Codertocat/Hello-World", 1)


def test_review_comment_is_ordered_with_its_pull_request(examples: WebhookExamples) -> None:
    payload = examples.get("pull_request_review_comment", "created")
    assert make_context("d", "pull_request_review_comment", payload).pr_number == 2


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"action": 5, "installation": {"id": "12"}, "repository": "x", "pull_request": []},
        {"action": None, "installation": [], "repository": {"full_name": 3}, "number": True},
    ],
)
def test_context_from_wrong_shaped_payload_has_nones(payload: dict[str, Any]) -> None:
    ctx = make_context("d", "pull_request", payload)
    assert (ctx.action, ctx.installation_id, ctx.repo_full_name, ctx.pr_number) == (None,) * 4
    assert ctx.key == "pull_request"
    assert ctx.pr_key is None


def test_context_payload_is_read_only() -> None:
    ctx = make_context("d", "ping", {"zen": "Keep it logically awesome."})
    with pytest.raises(TypeError):
        ctx.payload["zen"] = "changed"  # type: ignore[index]


def test_context_logger_binds_delivery_repo_and_pr(
    examples: WebhookExamples, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = make_context("d-42", "pull_request", examples.get("pull_request", "synchronize"))
    with caplog.at_level(logging.INFO):
        ctx.logger.info("hello", extra={"step": "files"})
    record = caplog.records[-1]
    assert record.getMessage() == "hello"
    assert (record.delivery_id, record.repo, record.pr) == ("d-42", "Codertocat/Hello-World", 2)  # type: ignore[attr-defined]
    assert record.step == "files"  # type: ignore[attr-defined]


def test_a_lone_surrogate_in_the_repository_name_still_gives_a_storable_key() -> None:
    from bot.service.events import make_context

    payload = {"repository": {"full_name": "acme/\udfff"}, "number": 3, "pull_request": {}}
    ctx = make_context("d-1", "pull_request", payload)
    assert ctx.pr_key is not None
    ctx.pr_key[0].encode("utf-8")  # a database can store it


def test_get_path_makes_a_lone_surrogate_encodable() -> None:
    from bot.service.payload import get_path

    assert get_path({"a": "x\udfffy"}, "a", type=str) == "x?y"
    assert get_path({"a": "plain"}, "a", type=str) == "plain"
