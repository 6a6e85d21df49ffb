"""The PyGithub adapter against the GitHub double over loopback, with real JWTs."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from double_support import (
    APP_ID,
    FAST,
    INSTALLATION,
    OWNER,
    REPO,
    FakeClock,
    run,
    running_double,
    rust_file,
)

from bot.errors import GitHubError, GitHubNotFound, GitHubValidationError
from bot.github.client import PyGithubFactory
from bot.github.types import Annotation, CheckRunOutput, RepoRef, ReviewCommentDraft

REF = RepoRef(OWNER, REPO)


def _mints(double: object) -> int:
    return sum(1 for r in double.requests if r.route.endswith("/access_tokens"))  # type: ignore[attr-defined]


def test_one_token_is_minted_for_many_calls(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"fn a() {}\n"})
            factory = PyGithubFactory(APP_ID, app_key, double.base_url)
            for _ in range(3):
                port = await factory.for_installation(INSTALLATION)
                await port.list_pr_files(REF, pr.number)
                await port.get_blob(REF, pr.files[0].sha or "")
            assert _mints(double) == 1

    run(scenario())


def test_token_is_reminted_once_it_nears_expiry(app_key: RSAPrivateKey) -> None:
    clock = FakeClock()

    async def scenario() -> None:
        async with running_double(app_key, clock=clock) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"fn a() {}\n"})
            factory = PyGithubFactory(APP_ID, app_key, double.base_url, clock=clock)
            port = await factory.for_installation(INSTALLATION)
            await port.list_pr_files(REF, pr.number)
            clock.now += 3600 - 30  # inside the 60 s refresh margin of the 1 h token
            await port.list_pr_files(REF, pr.number)
            assert _mints(double) == 2
            assert all(r.status == 200 for r in double.requests if "files" in r.path)

    run(scenario())


def test_jwt_signed_with_another_key_is_rejected_as_github_error_401(
    app_key: RSAPrivateKey, other_key: RSAPrivateKey
) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            factory = PyGithubFactory(APP_ID, other_key, double.base_url)
            with pytest.raises(GitHubError) as caught:
                await factory.for_installation(INSTALLATION)
            assert caught.value.status == 401
            assert double.requests[-1].status == 401

    run(scenario())


def test_unknown_installation_is_not_found(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            factory = PyGithubFactory(APP_ID, app_key, double.base_url)
            with pytest.raises(GitHubNotFound):
                await factory.for_installation(INSTALLATION + 1)

    run(scenario())


def test_pr_files_are_read_across_pages_of_100(app_key: RSAPrivateKey) -> None:
    head = {f"src/m{i:03}.rs": rust_file(3, str(i)) for i in range(250)}

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head=head)
            port = await PyGithubFactory(APP_ID, app_key, double.base_url).for_installation(
                INSTALLATION
            )
            files = await port.list_pr_files(REF, pr.number)
            assert [f.filename for f in files] == sorted(head)
            assert all(f.status == "added" and f.patch and f.additions == 3 for f in files)
            pages = [r for r in double.requests if r.route.endswith("/files")]
            assert [r.query.get("page", "1") for r in pages] == ["1", "2", "3"]
            assert all(r.query["per_page"] == "100" for r in pages)

    run(scenario())


def test_blob_bytes_come_back_exactly(app_key: RSAPrivateKey) -> None:
    # Not UTF-8 and starting with `{`: both break a raw body parsed as JSON text.
    data = b"{ \xff\xfe not utf-8 }\r\nfn main() {}"

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"x.rs": data})
            port = await PyGithubFactory(APP_ID, app_key, double.base_url).for_installation(
                INSTALLATION
            )
            assert await port.get_blob(REF, pr.files[0].sha or "") == data
            with pytest.raises(GitHubNotFound):
                await port.get_blob(REF, "0" * 40)

    run(scenario())


def test_review_posts_line_comments_on_the_right_side(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(
                OWNER, REPO, base={"a.rs": rust_file(20)}, head={"a.rs": rust_file(20, "y")}
            )
            port = await PyGithubFactory(APP_ID, app_key, double.base_url).for_installation(
                INSTALLATION
            )
            drafts = [
                ReviewCommentDraft("a.rs", 3, "first"),
                ReviewCommentDraft("a.rs", 9, "range", start_line=7),
                ReviewCommentDraft("a.rs", 12, "start equal to line is dropped", start_line=12),
            ]
            posted = await port.create_review(REF, pr.number, pr.head_sha, "summary", drafts)
            stored = double.review_comments
            assert posted.id == double.reviews[0].id
            assert [r.method for r in double.requests if "/pulls/" in r.path] == ["POST"]
            assert [(c.line, c.side, c.start_line) for c in stored] == [
                (3, "RIGHT", None),
                (9, "RIGHT", 7),
                (12, "RIGHT", None),
            ]
            assert double.reviews[0].state == "COMMENTED"
            assert all(c.user == "panicscan[bot]" for c in stored)
            sent = next(r.body for r in double.requests if r.route.endswith("/reviews"))
            assert sent["event"] == "COMMENT"
            assert all("position" not in c for c in sent["comments"])

    run(scenario())


def test_review_with_a_comment_outside_the_diff_is_rejected_whole(
    app_key: RSAPrivateKey,
) -> None:
    base = {"a.rs": rust_file(40)}
    head = {"a.rs": rust_file(40).replace(b"= 2;", b"= 99;")}

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base=base, head=head)
            port = await PyGithubFactory(APP_ID, app_key, double.base_url).for_installation(
                INSTALLATION
            )
            drafts = [
                ReviewCommentDraft("a.rs", 3, "in diff"),
                ReviewCommentDraft("a.rs", 30, "no"),
            ]
            with pytest.raises(GitHubValidationError) as caught:
                await port.create_review(REF, pr.number, pr.head_sha, "summary", drafts)
            assert "must be part of the diff" in str(caught.value)
            assert double.reviews == [] and double.review_comments == []

    run(scenario())


def test_check_run_with_120_annotations_takes_three_patches(app_key: RSAPrivateKey) -> None:
    annotations = tuple(
        Annotation("a.rs", i + 1, i + 1, "warning", f"finding {i}", start_column=1, end_column=4)
        for i in range(120)
    )

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": rust_file(130)})
            port = await PyGithubFactory(APP_ID, app_key, double.base_url).for_installation(
                INSTALLATION
            )
            run_id = await port.create_check_run(REF, pr.head_sha, "panicscan")
            output = CheckRunOutput("3 findings", "summary", annotations=annotations)
            await port.complete_check_run(REF, run_id, "failure", output)
            patches = [r for r in double.requests if r.method == "PATCH"]
            assert [len(p.body["output"]["annotations"]) for p in patches] == [50, 50, 20]
            assert [p.body.get("conclusion") for p in patches] == [None, None, "failure"]
            (stored,) = double.check_runs
            assert stored.status == "completed" and stored.conclusion == "failure"
            assert [a.message for a in stored.annotations] == [a.message for a in annotations]

    run(scenario())


def test_every_response_carries_rate_limit_headers_and_exhaustion_is_an_error(
    app_key: RSAPrivateKey,
) -> None:
    import aiohttp

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"fn a() {}\n"})
            factory = PyGithubFactory(APP_ID, app_key, double.base_url)
            port = await factory.for_installation(INSTALLATION)
            token = factory.tokens.token(INSTALLATION)
            url = f"{double.base_url}/repos/{OWNER}/{REPO}/pulls/{pr.number}"
            auth = {"Authorization": f"token {token}"}
            async with aiohttp.ClientSession() as session:
                async with (
                    session.get(url, headers=auth) as first,
                    session.get(url, headers=auth) as second,
                ):
                    pass
                for name in ("limit", "remaining", "used", "reset", "resource"):
                    assert f"x-ratelimit-{name}" in first.headers
                before = int(first.headers["x-ratelimit-remaining"])
                assert int(second.headers["x-ratelimit-remaining"]) == before - 1
                double.set_rate_limit_remaining(INSTALLATION, 0)
                with pytest.raises(GitHubError) as caught:
                    await port.list_pr_files(REF, pr.number)
                assert caught.value.status == 403
                assert "rate limit" in str(caught.value)

    run(scenario())


def test_missing_pull_request_is_not_found(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            port = await PyGithubFactory(APP_ID, app_key, double.base_url).for_installation(
                INSTALLATION
            )
            with pytest.raises(GitHubNotFound):
                await port.list_pr_files(REF, 999)

    run(scenario())


def test_server_error_that_outlasts_the_retries_surfaces_as_github_error(
    app_key: RSAPrivateKey,
) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            factory = PyGithubFactory(APP_ID, app_key, double.base_url, policy=FAST)
            port = await factory.for_installation(INSTALLATION)
            double.inject("GET", r"/pulls/\d+/files$", 502, times=50)
            with pytest.raises(GitHubError) as caught:
                await port.list_pr_files(REF, pr.number)
            assert caught.value.status == 502
            double.faults.clear()
            assert len(await port.list_pr_files(REF, pr.number)) == 1

    run(scenario())
