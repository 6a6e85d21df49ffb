"""How many GitHub API calls one pull_request event costs (issue 5's budget).

Budget: 4 + one blob per changed `.rs` file not yet cached + ceil(annotations / 50):
the GraphQL read of the PR and its threads, the check run, the PR's files, the review,
and the check run's completion (which carries the first 50 annotations). Config files
are read once per repository until a push to its default branch changes them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.github.double_state import LoggedRequest
from bot.stack import LoopbackStack

OWNER, REPO = "acme", "widgets"
BASE = {"src/lib.rs": b"pub fn keep() {}\n", "src/io.rs": b"pub fn io() {}\n"}
HEAD = {
    "src/lib.rs": b"pub fn keep() {}\npub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n",
    "src/io.rs": b"pub fn io() {}\npub fn b(v: &[u8]) -> u8 {\n    v[3]\n}\n",
}
PUSHED = {
    "src/lib.rs": b"pub fn keep() {}\npub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n",
    "src/io.rs": (
        b"pub fn io() {}\npub fn b(v: &[u8]) -> u8 {\n    v[3]\n}\n"
        b"pub fn c(v: &[u8]) -> u8 {\n    v[5]\n}\n"
    ),
}
CONFIG_ROUTE = "/repos/{owner}/{repo}/contents/{path}"


def _calls(requests: list[LoggedRequest]) -> Counter[str]:
    return Counter(f"{r.method} {r.route}" for r in requests if r.route != CONFIG_ROUTE)


async def _review_twice(stack: LoopbackStack) -> tuple[Counter[str], Counter[str], int]:
    conv = stack.double.conversation
    pr = conv.open_pull_request(OWNER, REPO, base=BASE, head=HEAD)
    assert (await stack.open_pull_request(pr)).status == 202
    assert await stack.settle()
    opened = list(stack.double.requests)
    pushed = conv.push(OWNER, REPO, pr.number, PUSHED)
    assert (await stack.open_pull_request(pushed, "synchronize")).status == 202
    assert await stack.settle()
    synchronize = stack.double.requests[len(opened) :]
    configs = sum(1 for r in stack.double.requests if r.route == CONFIG_ROUTE)
    return _calls(opened), _calls(synchronize), configs


def _assert_budget(opened: Counter[str], synchronize: Counter[str], configs: int) -> None:
    token = "POST /app/installations/{installation_id}/access_tokens"
    review = {
        "POST /graphql": 1,
        "POST /repos/{owner}/{repo}/check-runs": 1,
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files": 1,
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews": 1,
        "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": 1,
    }
    blobs = "GET /repos/{owner}/{repo}/git/blobs/{file_sha}"
    # Opened: 2 new .rs files; the bot's own login and a token are one-time costs.
    first = opened - Counter({token: 1, "GET /app": 1})
    assert first == Counter(review | {blobs: 2}), first
    # The push changed io.rs only: lib.rs's blob is cached; io.rs's new finding is
    # posted, lib.rs's thread stays.
    assert synchronize == Counter(review | {blobs: 1}), synchronize
    # Org layer, repo config, clippy.toml and .clippy.toml: read for the first event only.
    assert configs == 4


async def test_pull_request_events_stay_within_the_call_budget_in_memory() -> None:
    async with LoopbackStack() as stack:
        _assert_budget(*await _review_twice(stack))


async def test_pull_request_events_stay_within_the_call_budget_on_sqlite(tmp_path: Path) -> None:
    async with LoopbackStack(database_url=f"sqlite:///{tmp_path / 'budget.db'}") as stack:
        _assert_budget(*await _review_twice(stack))
