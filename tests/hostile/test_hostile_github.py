"""The whole App (real server, PyGithub, the double) when GitHub misbehaves.

Whatever GitHub does, a check run that was created ends completed, and a failure
summary names the call that failed.
"""

from __future__ import annotations

import logging

import pytest
from hostile_support import FAST, in_progress, open_example

from bot.github.double_faults import RESET
from bot.stack import INSTALLATION_ID, LoopbackStack

FILES = r"/pulls/\d+/files$"


async def _reviewed(stack: LoopbackStack, repo: str = "edge") -> None:
    stack.factory.policy = FAST
    pr = open_example(stack, repo)
    assert (await stack.open_pull_request(pr)).status == 202
    assert await stack.settle(30)


async def test_one_comment_github_refuses_moves_to_annotations_and_the_rest_is_posted() -> None:
    async with LoopbackStack() as stack:
        stack.factory.policy = FAST
        pr = open_example(stack)
        stack.double.hide_line(pr, "src/features.rs", 67)
        await stack.open_pull_request(pr)
        assert await stack.settle(30)
        [review] = stack.double.reviews
        lines = sorted((c.path, c.line) for c in stack.double.review_comments)
        assert ("src/features.rs", 67) not in lines and len(lines) == 5
        [run] = stack.double.check_runs
        assert run.status == "completed" and run.conclusion == "failure"
        assert any(a.path == "src/features.rs" and a.start_line == 67 for a in run.annotations)
        assert run.summary is not None and "1 finding(s) could not be posted" in run.summary
        assert review.state == "COMMENTED"


async def test_github_down_for_pr_files_fails_the_check_naming_the_call() -> None:
    async with LoopbackStack() as stack:
        stack.double.inject("GET", FILES, 502, times=1000)
        await _reviewed(stack)
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "failure")
        assert run.summary is not None
        assert "GET /repos/acme/edge/pulls/1/files" in run.summary and "502" in run.summary


async def test_a_few_server_errors_and_resets_are_retried_and_the_review_is_normal() -> None:
    async with LoopbackStack() as stack:
        stack.double.inject("GET", FILES, 503, times=2)
        stack.double.inject("GET", r"/git/blobs/", RESET, times=1)
        stack.double.inject("POST", r"/reviews$", 500, times=1)
        stack.double.inject("PATCH", r"/check-runs/\d+$", RESET, times=1)
        await _reviewed(stack)
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "failure")
        assert len(run.annotations) == 6
        assert len(stack.double.review_comments) == 6


async def test_blob_that_never_arrives_falls_back_to_hunk_text() -> None:
    async with LoopbackStack() as stack:
        stack.double.inject("GET", r"/git/blobs/", RESET, times=1000)
        await _reviewed(stack)
        [run] = stack.double.check_runs
        assert run.status == "completed"
        assert run.summary is not None and "head file unavailable" in run.summary


async def test_secondary_rate_limit_on_check_creation_is_waited_out() -> None:
    async with LoopbackStack() as stack:
        stack.double.inject("POST", r"/check-runs$", 403, headers={"retry-after": "1"})
        await _reviewed(stack)
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "failure")
        assert stack.factory.rate_limits()[INSTALLATION_ID].remaining > 0


async def test_pr_that_vanishes_mid_review_ends_the_job_cleanly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with LoopbackStack() as stack:
        stack.double.inject("GET", FILES, 404)
        await _reviewed(stack)
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "neutral")
        assert any("vanished mid-review" in r.getMessage() for r in caplog.records)
        assert not [r for r in caplog.records if r.exc_info]


async def test_uninstalled_app_gets_no_check_run_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with LoopbackStack() as stack:
        stack.double.remove_installation(INSTALLATION_ID)
        await _reviewed(stack)
        assert stack.double.check_runs == []
        assert any("installation or repository is gone" in r.getMessage() for r in caplog.records)
        assert not [r for r in caplog.records if r.exc_info]


async def test_installation_deleted_event_drops_the_cached_token() -> None:
    async with LoopbackStack() as stack:
        await _reviewed(stack)
        assert stack.factory.tokens.mint_count == 1
        payload = {"action": "deleted", "installation": {"id": INSTALLATION_ID}}
        assert (await stack.deliver("installation", payload)).status in (200, 202)
        assert await stack.settle(10)
        await _reviewed(stack, repo="edge2")
        assert stack.factory.tokens.mint_count == 2


async def test_random_faults_on_every_endpoint_never_leave_a_check_in_progress(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    async with LoopbackStack() as stack:
        stack.factory.policy = FAST
        stack.double.chaos(0.15, (500, 502, 503, RESET, 429), seed=6)
        prs = [open_example(stack, f"repo{i}") for i in range(5)]
        for pr in prs:
            assert (await stack.open_pull_request(pr)).status == 202
        assert await stack.settle(60)
        assert stack.double.faults.injected > 0
        assert in_progress(stack) == []
        unstarted = [r for r in caplog.records if "could not start reviewing" in r.getMessage()]
        assert len(stack.double.check_runs) + len(unstarted) == len(prs)
