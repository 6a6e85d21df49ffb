"""The App honours clippy.toml from the default branch, never from the PR head."""

from __future__ import annotations

from bot.stack import LoopbackStack

LIB = (
    b"use std::sync::Mutex;\n"
    b"pub fn f(m: &Mutex<u8>, x: Option<u8>) -> u8 {\n"
    b"    let g = m.lock().unwrap();\n"
    b"    *g + x.unwrap()\n"
    b"}\n"
)
ALLOW_LOCKS = b'allow-unwrap-types = ["std::sync::LockResult"]\n'


async def test_clippy_toml_on_the_default_branch_suppresses_what_clippy_would() -> None:
    async with LoopbackStack() as stack:
        model = stack.double.conversation
        model.set_default_file("acme", "edge", "clippy.toml", ALLOW_LOCKS)
        pr = model.open_pull_request("acme", "edge", base={}, head={"src/lib.rs": LIB})
        await stack.open_pull_request(pr)
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert [a.start_line for a in run.annotations] == [4]
        assert [c.line for c in stack.double.review_comments] == [4]


async def test_a_clippy_toml_added_by_the_pr_itself_changes_nothing() -> None:
    async with LoopbackStack() as stack:
        model = stack.double.conversation
        head = {"src/lib.rs": LIB, "clippy.toml": ALLOW_LOCKS}
        pr = model.open_pull_request("acme", "edge", base={}, head=head)
        await stack.open_pull_request(pr)
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert sorted(a.start_line for a in run.annotations) == [3, 4]


async def test_a_malformed_clippy_toml_is_reported_not_fatal() -> None:
    async with LoopbackStack() as stack:
        model = stack.double.conversation
        model.set_default_file("acme", "edge", "clippy.toml", b"allow-unwrap-types = [unclosed\n")
        pr = model.open_pull_request("acme", "edge", base={}, head={"src/lib.rs": LIB})
        await stack.open_pull_request(pr)
        assert await stack.settle()
        [run] = stack.double.check_runs
        assert run.status == "completed"
        assert run.summary is not None and "clippy.toml" in run.summary
        assert sorted(a.start_line for a in run.annotations) == [3, 4]
