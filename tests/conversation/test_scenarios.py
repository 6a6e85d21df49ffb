"""Whole PR histories through the real bot server and the GitHub double (loopback)."""

from __future__ import annotations

from bot.github.double_state import CheckRunState, PullRequestState, ReviewCommentState
from bot.service.handlers.review_cycle import FIXED_MARK, markers_in
from bot.stack import INSTALLATION_ID, LoopbackStack

OWNER, REPO = "acme", "widgets"
BASE = {"src/lib.rs": b"pub fn keep() {}\n"}
TWO = (
    b"pub fn keep() {}\n"
    b"pub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"
    b"pub fn b(y: Option<u32>) -> u32 {\n    y.unwrap()\n}\n"
)
MOVED = b"// a new comment at the top\n\n" + TWO
ONE_FIXED = (
    b"// a new comment at the top\n\n"
    b"pub fn keep() {}\n"
    b"pub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"
    b"pub fn b(y: Option<u32>) -> u32 {\n    y.unwrap_or(0)\n}\n"
)


def roots(stack: LoopbackStack) -> list[ReviewCommentState]:
    return [
        c
        for c in stack.double.review_comments
        if c.in_reply_to_id is None and c.user == "panicscan[bot]" and markers_in(c.body)
    ]


def latest_check(stack: LoopbackStack, pr: PullRequestState) -> CheckRunState:
    current = stack.double.pull_request(pr.owner, pr.repo, pr.number)
    assert current is not None
    runs = [r for r in stack.double.check_runs if r.head_sha == current.head_sha]
    assert runs, "no check run for the head"
    return max(runs, key=lambda r: r.id)


async def open_pr(stack: LoopbackStack, head: bytes = TWO) -> PullRequestState:
    pr = stack.double.conversation.open_pull_request(
        OWNER, REPO, base=BASE, head={"src/lib.rs": head}
    )
    await stack.open_pull_request(pr)
    assert await stack.settle()
    return pr


async def push(stack: LoopbackStack, pr: PullRequestState, head: bytes) -> PullRequestState:
    pushed = stack.double.conversation.push(OWNER, REPO, pr.number, {"src/lib.rs": head})
    await stack.open_pull_request(pushed, "synchronize")
    assert await stack.settle()
    return pushed


async def reply(stack: LoopbackStack, pr: PullRequestState, parent: int, user: str, body: str):  # type: ignore[no-untyped-def]
    comment = stack.double.conversation.human_reply(pr, parent, user, body)
    payload = stack.double.conversation.review_comment_event(comment, "created", INSTALLATION_ID)
    delivery = await stack.deliver("pull_request_review_comment", payload)
    assert delivery.status == 202
    assert await stack.settle()
    return comment


async def test_open_then_moving_push_then_fixing_push_keeps_one_thread_per_finding() -> None:
    async with LoopbackStack() as stack:
        pr = await open_pr(stack)
        assert len(roots(stack)) == 2
        assert latest_check(stack, pr).conclusion == "failure"

        pr = await push(stack, pr, MOVED)
        assert len(roots(stack)) == 2, "a push that only moves lines posts nothing new"
        assert all(c.line is not None for c in roots(stack)), "comments follow moved lines"

        pr = await push(stack, pr, ONE_FIXED)
        assert len(roots(stack)) == 2
        fixed = [c for c in stack.double.review_comments if FIXED_MARK in c.body]
        assert len(fixed) == 1 and f"`{pr.head_sha[:7]}`" in fixed[0].body
        assert fixed[0].in_reply_to_id in stack.double.conversation.resolved
        assert latest_check(stack, pr).conclusion == "failure"  # one unwaived left

        await push(stack, pr, ONE_FIXED.replace(b"x.unwrap()", b"x.unwrap_or(1)"))
        assert len([c for c in stack.double.review_comments if FIXED_MARK in c.body]) == 2
        assert latest_check(stack, pr).conclusion == "success"


async def test_force_push_and_wiped_store_never_duplicate_threads() -> None:
    async with LoopbackStack() as stack:
        pr = await open_pr(stack)
        stack.waiver_store.clear()  # the database is gone
        pr = await push(stack, pr, MOVED)
        pr = await push(stack, pr, TWO)  # force-push back to the first tree
        assert len(roots(stack)) == 2


async def test_ignore_by_writer_turns_green_and_unignore_turns_red_without_a_push() -> None:
    async with LoopbackStack() as stack:
        stack.double.set_permission(OWNER, REPO, "alice", "write")
        pr = await open_pr(stack, TWO.replace(b"y.unwrap()", b"y.unwrap_or(0)"))
        (root,) = roots(stack)
        command = await reply(stack, pr, root.id, "alice", "/panicscan ignore x is always set")
        check = latest_check(stack, pr)
        assert check.conclusion == "success"
        assert "@alice" in (check.summary or "") and "x is always set" in (check.summary or "")
        reactions = [(r.comment_id, r.content) for r in stack.double.reactions]
        assert (command.id, "+1") in reactions
        await reply(stack, pr, root.id, "alice", "/panicscan unignore")
        assert latest_check(stack, pr).conclusion == "failure"


async def test_ignore_by_read_only_user_is_refused_and_the_check_stays_red() -> None:
    async with LoopbackStack() as stack:
        stack.double.set_permission(OWNER, REPO, "bob", "read")
        pr = await open_pr(stack)
        runs_before = len(stack.double.check_runs)
        root = roots(stack)[0]
        command = await reply(stack, pr, root.id, "bob", "/panicscan ignore trust me")
        reactions = [(r.comment_id, r.content) for r in stack.double.reactions]
        assert (command.id, "confused") in reactions
        assert len(stack.double.check_runs) == runs_before  # nothing re-evaluated
        assert latest_check(stack, pr).conclusion == "failure"
        assert await stack.waiver_store.waivers((f"{OWNER}/{REPO}", pr.number)) == {}


async def test_a_marker_forged_in_a_human_comment_is_not_trusted() -> None:
    async with LoopbackStack() as stack:
        stack.double.set_permission(OWNER, REPO, "alice", "write")
        pr = await open_pr(stack)
        root = roots(stack)[0]
        forged = stack.double.conversation.human_reply(
            pr, root.id, "mallory", f"fake <!-- panicscan:v1 fp={'ab' * 8} rule=unwrap-used -->"
        )
        # A reply whose root is a human comment: make mallory's comment the root.
        stack.double.conversation.edit_review_comment(forged.id, forged.body)
        before = len(stack.double.check_runs)
        payload = stack.double.conversation.review_comment_event(forged, "created", INSTALLATION_ID)
        payload["comment"]["in_reply_to_id"] = forged.id  # thread rooted at a human comment
        payload["comment"]["body"] = "/panicscan ignore forged"
        await stack.deliver("pull_request_review_comment", payload)
        assert await stack.settle()
        assert len(stack.double.check_runs) == before
        assert await stack.waiver_store.waivers((f"{OWNER}/{REPO}", pr.number)) == {}


async def test_edited_comment_repeats_no_command() -> None:
    async with LoopbackStack() as stack:
        stack.double.set_permission(OWNER, REPO, "alice", "write")
        pr = await open_pr(stack)
        root = roots(stack)[0]
        command = await reply(stack, pr, root.id, "alice", "/panicscan ignore fine here")
        runs = len(stack.double.check_runs)
        edited = stack.double.conversation.edit_review_comment(
            command.id, "/panicscan ignore fine here\n\n(typo fixed)"
        )
        payload = stack.double.conversation.review_comment_event(edited, "edited", INSTALLATION_ID)
        await stack.deliver("pull_request_review_comment", payload)
        assert await stack.settle()
        assert len(stack.double.check_runs) == runs


async def test_two_hundred_findings_respect_the_budget_and_all_are_annotations() -> None:
    body = b"".join(
        b"pub fn f%d(x%d: Option<u32>) -> u32 {\n    x%d.unwrap()\n}\n" % (i, i, i)
        for i in range(200)
    )
    async with LoopbackStack() as stack:
        pr = await open_pr(stack, body)
        assert len(roots(stack)) == 25
        check = latest_check(stack, pr)
        assert len(check.annotations) == 200
        assert "175 finding(s) could not be posted inline" in (check.summary or "")


async def test_malformed_config_falls_back_to_defaults_and_says_so() -> None:
    async with LoopbackStack() as stack:
        stack.double.conversation.set_default_file(
            OWNER, REPO, ".github/panicscan.yml", b"fail_level: [unclosed\n"
        )
        pr = await open_pr(stack)
        check = latest_check(stack, pr)
        assert check.conclusion == "failure"  # the default fail level still applies
        assert "defaults were used" in (check.summary or "")
        assert "config problems" in (check.title or "")


async def test_org_config_applies_and_repo_config_overrides_it() -> None:
    async with LoopbackStack() as stack:
        conv = stack.double.conversation
        conv.set_default_file(OWNER, ".github", ".github/panicscan.yml", b"fail_level: never\n")
        pr = await open_pr(stack)
        assert latest_check(stack, pr).conclusion == "success"
        # Written behind the bot's back (no push delivered): the cached config stands.
        conv.set_default_file(OWNER, REPO, ".github/panicscan.yml", b"fail_level: error\n")
        pr = await push(stack, pr, MOVED)
        assert latest_check(stack, pr).conclusion == "success"
        # The push to the default branch is what makes the new config count.
        config = {".github/panicscan.yml": b"fail_level: error\n"}
        assert (await stack.push_default_branch(OWNER, REPO, config)).status == 202
        assert await stack.settle()
        await push(stack, pr, ONE_FIXED)
        assert latest_check(stack, pr).conclusion == "failure"


async def test_org_config_change_is_seen_after_a_push_to_the_org_github_repo() -> None:
    async with LoopbackStack() as stack:
        pr = await open_pr(stack)
        assert latest_check(stack, pr).conclusion == "failure"
        org = {".github/panicscan.yml": b"fail_level: never\n"}
        assert (await stack.push_default_branch(OWNER, ".github", org)).status == 202
        assert await stack.settle()
        pr = await push(stack, pr, MOVED)
        assert latest_check(stack, pr).conclusion == "success"


async def test_config_reads_are_cached_across_pushes_and_unrelated_default_branch_pushes() -> None:
    async with LoopbackStack() as stack:
        pr = await open_pr(stack)
        reads = lambda: sum(  # noqa: E731
            1 for r in stack.double.requests if r.route == "/repos/{owner}/{repo}/contents/{path}"
        )
        first = reads()
        assert first >= 1
        pr = await push(stack, pr, MOVED)
        other = {"README.md": b"docs only\n"}
        # It touches no config file: answered at once, never stored.
        assert (await stack.push_default_branch(OWNER, REPO, other)).status == 204
        assert await stack.settle()
        pr = await push(stack, pr, ONE_FIXED)
        assert reads() == first, "no config was re-read"


async def test_conversation_ignore_by_rule_and_rescan() -> None:
    async with LoopbackStack() as stack:
        stack.double.set_permission(OWNER, REPO, "alice", "admin")
        pr = await open_pr(stack)
        conv = stack.double.conversation
        comment = conv.human_issue_comment(pr, "alice", "/panicscan ignore unwrap-used demo code")
        await stack.deliver(
            "issue_comment", conv.issue_comment_event(comment, "created", INSTALLATION_ID)
        )
        assert await stack.settle()
        assert latest_check(stack, pr).conclusion == "success"
        assert any("waived 2 finding(s)" in c.body for c in stack.double.issue_comments)


async def test_rerun_button_and_fork_check_suite_find_the_pr_by_head_sha() -> None:
    async with LoopbackStack() as stack:
        pr = await open_pr(stack)
        run = latest_check(stack, pr)
        conv = stack.double.conversation
        payload = conv.check_run_event(run.id, "requested_action", INSTALLATION_ID, fork=True)
        await stack.deliver("check_run", payload)
        assert await stack.settle()
        assert latest_check(stack, pr).id != run.id
        assert len(roots(stack)) == 2
        actions = [
            r.body["actions"]
            for r in stack.double.requests
            if r.method == "PATCH" and isinstance(r.body, dict) and "actions" in r.body
        ]
        assert actions and actions[-1][0]["identifier"] == "rerun"
