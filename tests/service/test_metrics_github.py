"""/metrics after real reviews: GitHub calls by route template, comments, annotations, waivers."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import GitHubError
from bot.github.double_state import PullRequestState
from bot.service.handlers.review_cycle import markers_in
from bot.service.metrics import route_template
from bot.stack import INSTALLATION_ID, LoopbackStack

OWNER, REPO = "acme", "widgets"
BASE = {"src/lib.rs": b"pub fn keep() {}\n"}
HEAD = {"src/lib.rs": b"pub fn keep() {}\npub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(stack: LoopbackStack) -> Samples:
    async with aiohttp.ClientSession() as session, session.get(stack.bot_url + "/metrics") as r:
        assert r.status == 200
        text = await r.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def calls(samples: Samples) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["endpoint"], dict(labels)["status"]): value
        for (name, labels), value in samples.items()
        if name == "panicscan_github_calls_total"
    }


async def open_pr(stack: LoopbackStack) -> PullRequestState:
    pr = stack.double.conversation.open_pull_request(OWNER, REPO, base=BASE, head=HEAD)
    assert (await stack.open_pull_request(pr)).status == 202
    assert await stack.settle(30)
    return pr


def test_route_templates_hold_no_names_or_ids() -> None:
    assert (
        route_template("GET /repos/acme/edge/pulls/12/files")
        == "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
    )
    assert (
        route_template("GET /repos/acme/edge/contents/.github/panicscan.yml")
        == "GET /repos/{owner}/{repo}/contents/{path}"
    )
    assert route_template("POST /graphql (reviewThreads)") == "POST /graphql (reviewThreads)"
    assert (
        route_template("POST /repos/a/b/pulls/1/reviews (pending probe)")
        == "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews (pending probe)"
    )


def test_malformed_and_oversized_endpoints_fall_into_a_bounded_label() -> None:
    assert route_template("GET /user/ghs_secret_token") == "GET other"
    assert route_template("") == "OTHER other"
    assert (
        route_template("BREW /repos/a/b/pulls/1")
        == "OTHER /repos/{owner}/{repo}/pulls/{pull_number}"
    )
    assert route_template("GET /repos/a/b/pulls/1 (ghs_token; $(rm -rf))") == (
        "GET /repos/{owner}/{repo}/pulls/{pull_number}"
    )
    huge = "GET /repos/" + "a" * 100_000 + "/b/pulls/1/files"
    assert route_template(huge) == "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
    assert route_template("GET /" + "x/" * 50_000) == "GET other"


async def test_a_review_is_counted_by_route_with_no_repo_names_in_labels(tmp_path: Path) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'm.db'}") as stack:
        stack.double.inject("GET", r"/pulls/\d+/files$", 502, times=1)
        await open_pr(stack)
        samples = await scrape(stack)

    seen = calls(samples)
    files = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
    assert seen[(files, "502")] == 1 and seen[(files, "2xx")] == 1, "the retry is a second call"
    assert seen[("POST /repos/{owner}/{repo}/check-runs", "2xx")] == 1
    assert seen[("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", "2xx")] == 1
    labels = " ".join(" ".join(k) for k in seen)
    assert OWNER not in labels and REPO not in labels and "ghs_" not in labels
    for (name, labels_), _ in samples.items():
        if name == "panicscan_github_call_seconds_count":
            assert dict(labels_)["endpoint"].split(" ", 1)[1].startswith(("/repos/{", "/graphql"))

    posted = [
        c for c in stack.double.review_comments if c.in_reply_to_id is None and markers_in(c.body)
    ]
    assert samples[("panicscan_inline_comments_posted_total", ())] == len(posted) == 1
    (run,) = stack.double.check_runs
    assert samples[("panicscan_check_annotations_total", ())] == len(run.annotations) >= 1


async def test_waivers_given_and_taken_back_are_counted(tmp_path: Path) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'w.db'}") as stack:
        stack.double.set_permission(OWNER, REPO, "alice", "write")
        pr = await open_pr(stack)
        before = await scrape(stack)
        assert before[("panicscan_waivers_total", (("change", "given"),))] == 0
        root = next(c for c in stack.double.review_comments if markers_in(c.body))
        for text in ("/panicscan ignore x is always set", "/panicscan unignore"):
            comment = stack.double.conversation.human_reply(pr, root.id, "alice", text)
            payload = stack.double.conversation.review_comment_event(
                comment, "created", INSTALLATION_ID
            )
            assert (await stack.deliver("pull_request_review_comment", payload)).status == 202
            assert await stack.settle(30)
        after = await scrape(stack)
    assert after[("panicscan_waivers_total", (("change", "given"),))] == 1
    assert after[("panicscan_waivers_total", (("change", "taken_back"),))] == 1


async def test_a_failing_metrics_hook_never_fails_a_review(tmp_path: Path) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'f.db'}") as stack:

        def broken(endpoint: str, exc: GitHubError | None, seconds: float) -> None:
            raise RuntimeError("metrics backend down")

        stack.factory.observer = broken
        await open_pr(stack)
        (run,) = stack.double.check_runs
        assert run.status == "completed" and run.conclusion == "failure"
        assert stack.double.review_comments
