"""LoopbackStack on the durable queue: the real reviewer, store-backed effects."""

from __future__ import annotations

from pathlib import Path

from bot.github.double_webhooks import pull_request_event
from bot.stack import INSTALLATION_ID, LoopbackStack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_a_redelivery_is_answered_200_and_a_new_push_reposts_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'stack.db'}"
    async with LoopbackStack(database_url=url) as stack:
        model = stack.double.conversation
        pr = model.open_pull_request(
            "acme", "edge", base=_tree(EXAMPLE / "base"), head=_tree(EXAMPLE / "head")
        )
        first = await stack.open_pull_request(pr)
        assert first.status == 202
        assert await stack.settle(30)
        comments = len(stack.double.review_comments)
        assert comments > 0 and len(stack.double.reviews) == 1

        again = await stack.deliver(
            "pull_request",
            pull_request_event(stack.github_url, pr, "opened", INSTALLATION_ID),
            delivery_id=first.delivery_id,
        )
        assert again.status == 200

        head = {**_tree(EXAMPLE / "head"), "NOTES.txt": b"unrelated"}
        pushed = model.push("acme", "edge", pr.number, head)
        assert (await stack.open_pull_request(pushed, "synchronize")).status == 202
        assert await stack.settle(30)
        assert len(stack.double.review_comments) == comments  # same findings: not re-posted
        runs = {r.head_sha: r for r in stack.double.check_runs}
        assert set(runs) == {pr.head_sha, pushed.head_sha}
        assert all(r.status == "completed" for r in runs.values())
        assert stack.store is not None and stack.store.job_counts()["done"] == 2
