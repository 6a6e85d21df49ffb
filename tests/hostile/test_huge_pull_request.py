"""A pull request at GitHub's 3,000-file listing limit, through the real server and the double."""

from __future__ import annotations

from bot.stack import LoopbackStack


async def test_a_3000_file_pr_is_reviewed_and_the_listing_limit_is_named() -> None:
    head = {f"docs/page{i:04}.md": b"text\n" for i in range(2990)}
    head |= {
        f"src/m{i}.rs": b"pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n" for i in range(10)
    }
    head |= {
        f"src/beyond{i}.rs": b"pub fn g(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"
        for i in range(5)
    }
    async with LoopbackStack() as stack:
        pr = stack.double.open_pull_request("acme", "edge", base={}, head=head)
        assert (await stack.open_pull_request(pr)).status == 202
        assert await stack.settle(timeout=120)
        [run] = stack.double.check_runs
        assert (run.status, run.conclusion) == ("completed", "failure")
        assert run.summary is not None and "first 3000 files" in run.summary
        listed = [
            r for r in stack.double.requests if r.route.endswith("/pulls/{pull_number}/files")
        ]
        assert len(listed) == 30  # 100 per page
        # The double lists files by path, like a git diff; the last five are beyond the limit.
        listed_rs = {p for p in sorted(head)[:3000] if p.endswith(".rs")}
        assert {a.path for a in run.annotations} == listed_rs
        assert len(listed_rs) == 10
