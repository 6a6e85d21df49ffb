"""The real bot server and the local GitHub double over loopback: webhook in, review out."""

from __future__ import annotations

from pathlib import Path

from bot.github.double_webhooks import pull_request_event
from bot.report.comment import parse_marker
from bot.stack import INSTALLATION_ID, LoopbackStack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _open_example(stack: LoopbackStack):  # type: ignore[no-untyped-def]
    return stack.double.open_pull_request(
        "acme", "edge", base=_tree(EXAMPLE / "base"), head=_tree(EXAMPLE / "head")
    )


async def test_example_pr_gets_one_review_with_a_comment_per_finding_and_a_failed_check() -> None:
    async with LoopbackStack() as stack:
        pr = _open_example(stack)
        delivery = await stack.open_pull_request(pr)
        assert delivery.status == 202
        assert await stack.settle()

        reviews = stack.double.reviews
        assert len(reviews) == 1
        assert reviews[0].state == "COMMENTED"
        assert reviews[0].commit_id == pr.head_sha
        comments = sorted(stack.double.review_comments, key=lambda c: (c.path, c.line or 0))
        got = [(c.path, c.line, c.side, parse_marker(c.body)) for c in comments]
        assert [(path, line, side, m.rule if m else None) for path, line, side, m in got] == [
            ("src/features.rs", 67, "RIGHT", "unwrap-used"),
            ("src/features.rs", 68, "RIGHT", "index-or-slice"),
            ("src/features.rs", 74, "RIGHT", "expect-used"),
            ("src/scoring.rs", 16, "RIGHT", "index-or-slice"),
            ("src/scoring.rs", 16, "RIGHT", "index-or-slice"),
            ("src/scoring.rs", 19, "RIGHT", "panic-macro"),
        ]
        # Test code in the head file (#[cfg(test)] mod tests) is never commented on.
        assert all(
            c.line is not None and c.line < 77 for c in comments if c.path.endswith("features.rs")
        )
        unwrap = comments[0].body
        assert "`load_features(path)` is unwrapped" in unwrap
        assert "`fn reload`" in unwrap
        assert "<!-- panicscan:v1 fp=" in unwrap
        assert all(c.user.endswith("[bot]") for c in comments)
        assert not any("{expr}" in c.body for c in comments)
        assert "What input or state makes `load_features(path)` fail" in unwrap

        [run] = stack.double.check_runs
        assert run.name == "panicscan"
        assert run.head_sha == pr.head_sha
        assert run.status == "completed"
        assert run.conclusion == "failure"
        assert run.summary is not None and "`unwrap-used`" in run.summary
        assert len(run.annotations) == 6
        levels = sorted(a.annotation_level for a in run.annotations)
        # Graded per finding: scoring.rs indexes in a loop against the MAX_FEATURES limit.
        assert levels == ["failure", "failure", "failure", "failure", "failure", "warning"]

        # The check run went through in_progress before completion: created, then patched.
        calls = [(r.method, r.route) for r in stack.double.requests]
        create = calls.index(("POST", "/repos/{owner}/{repo}/check-runs"))
        review = calls.index(("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"))
        complete = calls.index(("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"))
        assert create < review < complete
        created = stack.double.requests[create]
        assert created.body["status"] == "in_progress"


async def test_a_pr_without_panics_gets_no_review_and_a_green_check() -> None:
    async with LoopbackStack() as stack:
        pr = stack.double.open_pull_request(
            "acme",
            "edge",
            base={"src/lib.rs": b"pub fn a() {}\n"},
            head={
                "src/lib.rs": b"pub fn a() {}\npub fn b(x: Option<u8>) -> u8 { x.unwrap_or(0) }\n"
            },
        )
        assert (await stack.open_pull_request(pr)).status == 202
        assert await stack.settle()
        assert stack.double.reviews == []
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "success")
        assert run.annotations == ()


async def test_a_pr_touching_no_rust_file_is_green_and_silent() -> None:
    async with LoopbackStack() as stack:
        pr = stack.double.open_pull_request(
            "acme", "edge", base={"README.md": b"a\n"}, head={"README.md": b"a\nx.unwrap()\n"}
        )
        await stack.open_pull_request(pr)
        assert await stack.settle()
        assert stack.double.reviews == []
        assert [r.conclusion for r in stack.double.check_runs] == ["success"]


async def test_warnings_alone_do_not_fail_the_check() -> None:
    async with LoopbackStack() as stack:
        head = b"pub fn f(v: &[u8], i: usize) -> u8 {\n    v[i]\n}\n"
        pr = stack.double.open_pull_request("acme", "edge", base={}, head={"src/lib.rs": head})
        await stack.open_pull_request(pr)
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert run.conclusion == "success"
        assert [a.annotation_level for a in run.annotations] == ["warning"]
        assert [c.line for c in stack.double.review_comments] == [2]


async def test_closed_pr_and_wrong_shaped_payload_post_nothing() -> None:
    async with LoopbackStack() as stack:
        pr = _open_example(stack)
        closed = pull_request_event(stack.github_url, pr, "reopened", INSTALLATION_ID)
        closed["pull_request"]["state"] = "closed"
        assert (await stack.deliver("pull_request", closed)).status == 202
        broken = {"action": "opened", "pull_request": {"number": "seven"}, "installation": None}
        assert (await stack.deliver("pull_request", broken)).status == 202
        assert await stack.settle()
        assert stack.double.reviews == []
        assert stack.double.check_runs == []


async def test_unavailable_head_blobs_fall_back_to_hunk_text() -> None:
    async with LoopbackStack() as stack:
        pr = _open_example(stack)
        stack.double.inject("GET", r"/git/blobs/", 404, times=10)
        await stack.open_pull_request(pr)
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert run.status == "completed"
        assert run.summary is not None and "analysed the hunk text alone" in run.summary
        # The unwrap of the outage's shape is still found from the hunk alone.
        assert any(
            (m := parse_marker(c.body)) and m.rule == "unwrap-used"
            for c in stack.double.review_comments
        )


async def test_a_failing_review_post_still_delivers_every_finding_on_the_check() -> None:
    async with LoopbackStack() as stack:
        pr = _open_example(stack)
        stack.double.inject("POST", r"/pulls/\d+/reviews$", 502, times=10)
        await stack.open_pull_request(pr)
        assert await stack.settle()
        assert stack.double.review_comments == []
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "failure")
        # The comments GitHub would not take are annotations, and the summary says why.
        assert len(run.annotations) == 6
        assert run.summary is not None and "502" in run.summary
