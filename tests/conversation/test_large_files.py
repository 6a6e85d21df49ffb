"""Files GitHub sends no patch for (diffs too large to show) are still analysed."""

from __future__ import annotations

from bot.stack import LoopbackStack

BASE = b"pub fn a() -> u8 {\n    1\n}\n"
HEAD = BASE + b"pub fn b(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"


async def test_a_file_without_a_patch_is_diffed_locally_and_reported_as_annotations() -> None:
    async with LoopbackStack() as stack:
        model = stack.double.conversation
        pr = model.open_pull_request(
            "acme", "edge", base={"src/lib.rs": BASE, "src/new.rs": b""}, head={"src/lib.rs": HEAD}
        )
        model.drop_patch("acme", "edge", pr.number, "src/lib.rs")
        assert (await stack.open_pull_request(pr)).status == 202
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert run.status == "completed" and run.conclusion == "failure"
        # Line 5 is the new unwrap; unchanged lines of the file are not flagged.
        assert [(a.path, a.start_line) for a in run.annotations] == [("src/lib.rs", 5)]
        assert run.summary is not None and "compared with its base here" in run.summary
        # GitHub shows no diff for the file, so nothing can be anchored inline.
        assert stack.double.review_comments == []


async def test_a_new_file_without_a_patch_counts_every_line_as_added() -> None:
    async with LoopbackStack() as stack:
        model = stack.double.conversation
        pr = model.open_pull_request("acme", "edge", base={}, head={"src/lib.rs": HEAD})
        model.drop_patch("acme", "edge", pr.number, "src/lib.rs")
        await stack.open_pull_request(pr)
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert [(a.path, a.start_line) for a in run.annotations] == [("src/lib.rs", 5)]
