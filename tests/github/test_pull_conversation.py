"""One GraphQL read of a PR's state and review threads, against the double."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from double_support import APP_ID, FAST, INSTALLATION, OWNER, REPO, run, running_double, rust_file

from bot.github.conversation import (
    ConversationFactory,
    ConversationPort,
    _login,
    _thread_comments,
)
from bot.github.double import GitHubDouble
from bot.github.double_state import PullRequestState
from bot.github.types import RepoRef, ReviewCommentDraft

REF = RepoRef(OWNER, REPO)


async def _opened(
    double: GitHubDouble, key: RSAPrivateKey, *, lines: int
) -> tuple[PullRequestState, ConversationPort]:
    pr = double.open_pull_request(
        OWNER, REPO, base={"a.rs": rust_file(1)}, head={"a.rs": rust_file(lines, "y")}
    )
    factory = ConversationFactory(APP_ID, key, double.base_url, policy=FAST)
    return pr, await factory.for_installation(INSTALLATION)


def test_state_threads_and_comments_come_back_in_one_query(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr, port = await _opened(double, app_key, lines=10)
            await port.create_review(
                REF, pr.number, pr.head_sha, "s", [ReviewCommentDraft("a.rs", 3, "why?")]
            )
            root = double.review_comments[0]
            double.conversation.human_reply(pr, root.id, "alice", "it cannot be None")
            double.conversation.resolved.add(root.id)
            before = len(double.requests)
            got = await port.pull_conversation(REF, pr.number)
            assert len(double.requests) == before + 1
            assert (got.pull.head_sha, got.pull.base_sha) == (pr.head_sha, pr.base_sha)
            assert got.pull.state == "open" and not got.pull.merged and not got.pull.draft
            assert got.html_url.endswith(f"/{OWNER}/{REPO}/pull/{pr.number}")
            bot, person = got.comments
            assert (bot.id, bot.user, bot.in_reply_to_id, bot.path) == (
                root.id,
                "panicscan[bot]",  # GraphQL's "panicscan" (a Bot) told apart from a user
                None,
                "a.rs",
            )
            assert (person.user, person.in_reply_to_id) == ("alice", root.id)
            assert bot.html_url.endswith(f"#discussion_r{root.id}")
            [thread] = got.threads
            assert thread.resolved and thread.root_comment_id == root.id

    run(scenario())


def test_threads_beyond_one_page_are_followed(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr, port = await _opened(double, app_key, lines=260)
            drafts = [ReviewCommentDraft("a.rs", line, f"c{line}") for line in range(2, 252)]
            await port.create_review(REF, pr.number, pr.head_sha, "s", drafts)
            before = len(double.requests)
            got = await port.pull_conversation(REF, pr.number)
            assert len(double.requests) == before + 3  # 100 + 100 + 50 threads
            assert len(got.threads) == len(got.comments) == 250

    run(scenario())


def test_odd_shapes_do_not_break_the_reading() -> None:
    assert _login(None) == ""  # a deleted account ("ghost")
    assert _login({"login": "dependabot", "__typename": "Bot"}) == "dependabot[bot]"
    assert _login({"login": "alice", "__typename": "User"}) == "alice"
    node = {
        "path": "a.rs",
        "line": None,  # outdated
        "comments": {
            "nodes": [
                None,
                {"databaseId": "x"},
                {"databaseId": 5, "body": "root", "author": None},
                {"databaseId": 6, "body": 7, "author": {"login": "bob"}},
            ]
        },
    }
    root, reply = _thread_comments(node)
    assert (root.id, root.user, root.in_reply_to_id, root.line) == (5, "", None, None)
    assert (reply.id, reply.body, reply.in_reply_to_id) == (6, "", 5)
    assert _thread_comments({"comments": None}) == []
