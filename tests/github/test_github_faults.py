"""The client against a hostile GitHub: 5xx, resets, slow replies, rate limits, 401s.

Everything runs through the real double on loopback with real JWTs and PyGithub;
the retry policy keeps GitHub's shape but with millisecond waits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from double_support import APP_ID, FAST, INSTALLATION, OWNER, REPO, running_double

from bot.errors import GitHubError, GitHubNotFound, GitHubValidationError
from bot.github.client import PyGithubFactory
from bot.github.double import GitHubDouble
from bot.github.double_faults import RESET
from bot.github.types import RepoRef, ReviewCommentDraft

REF = RepoRef(OWNER, REPO)
FILES = r"/pulls/\d+/files$"


def _hits(double: GitHubDouble, suffix: str) -> int:
    return sum(1 for r in double.requests if r.path.endswith(suffix))


async def _port_and_pr(double: GitHubDouble, key: RSAPrivateKey, **options: object):  # type: ignore[no-untyped-def]
    pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"fn a() {}\n"})
    factory = PyGithubFactory(APP_ID, key, double.base_url, policy=FAST, **options)  # type: ignore[arg-type]
    return factory, await factory.for_installation(INSTALLATION), pr


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_one_server_error_is_retried_and_the_call_succeeds(
    app_key: RSAPrivateKey, status: int
) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, status)
        assert len(await port.list_pr_files(REF, pr.number)) == 1
        statuses = [r.status for r in double.requests if r.path.endswith("/files")]
        assert statuses == [status, 200]


async def test_persistent_server_error_gives_up_after_the_bounded_attempts(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, 503, times=100)
        with pytest.raises(GitHubError) as caught:
            await port.list_pr_files(REF, pr.number)
        assert caught.value.status == 503
        assert "pulls/1/files" in str(caught.value)
        assert double.faults.injected == FAST.attempts


async def test_reset_connection_is_retried(app_key: RSAPrivateKey) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, RESET, times=2)
        assert len(await port.list_pr_files(REF, pr.number)) == 1
        assert double.faults.injected == 2


async def test_connection_reset_every_time_is_a_transport_github_error(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, RESET, times=100)
        with pytest.raises(GitHubError) as caught:
            await port.list_pr_files(REF, pr.number)
        assert caught.value.status == 0
        assert "transport error" in str(caught.value)


async def test_reply_slower_than_the_client_timeout_is_retried(
    app_key: RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.github.client")
    async with running_double(app_key) as double:
        factory = PyGithubFactory(APP_ID, app_key, double.base_url, timeout=1, policy=FAST)
        pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"fn a() {}\n"})
        port = await factory.for_installation(INSTALLATION)
        double.inject("GET", FILES, 0, delay=1.5)  # past the 1 s timeout, then served
        assert len(await port.list_pr_files(REF, pr.number)) == 1
        retries = [r.getMessage() for r in caplog.records if "retry 1" in r.getMessage()]
        assert len(retries) == 1 and "timed out" in retries[0].lower()


@pytest.mark.parametrize("status", [404, 422])
async def test_client_errors_are_not_retried(app_key: RSAPrivateKey, status: int) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, status, times=5)
        expected = GitHubNotFound if status == 404 else GitHubValidationError
        with pytest.raises(expected):
            await port.list_pr_files(REF, pr.number)
        assert double.faults.injected == 1


async def test_plain_403_is_a_permission_error_not_a_rate_limit(app_key: RSAPrivateKey) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, 403, times=5)
        with pytest.raises(GitHubError) as caught:
            await port.list_pr_files(REF, pr.number)
        assert caught.value.status == 403
        assert double.faults.injected == 1


@pytest.mark.parametrize("status", [403, 429])
async def test_secondary_rate_limit_waits_retry_after_then_succeeds(
    app_key: RSAPrivateKey, status: int
) -> None:
    async with running_double(app_key) as double:
        factory, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, status, headers={"retry-after": "1"})
        assert len(await port.list_pr_files(REF, pr.number)) == 1
        assert double.faults.injected == 1
        assert factory.rate_limits()[INSTALLATION].blocked_until == 0.0  # block is over


async def test_primary_rate_limit_waits_until_reset_then_succeeds(app_key: RSAPrivateKey) -> None:
    async with running_double(app_key) as double:
        factory, port, pr = await _port_and_pr(double, app_key)
        double.set_rate_limit_remaining(INSTALLATION, 0, reset_in=1)
        assert len(await port.list_pr_files(REF, pr.number)) == 1
        statuses = [r.status for r in double.requests if r.path.endswith("/files")]
        assert statuses == [403, 200]
        snapshot = factory.rate_limits()[INSTALLATION]
        assert snapshot.limit == 5000 and snapshot.remaining == 4999


async def test_rate_limit_longer_than_the_job_may_wait_fails_at_once(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        double.set_rate_limit_remaining(INSTALLATION, 0, reset_in=3000)
        with pytest.raises(GitHubError) as caught:
            await port.list_pr_files(REF, pr.number)
        assert caught.value.status == 403
        assert "longer than the 900 s a job may wait" in str(caught.value)


async def test_rate_limited_installation_does_not_hold_up_another(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        double.add_installation(78, "other")
        mine = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"fn a() {}\n"})
        theirs = double.open_pull_request("other", "lib", base={}, head={"b.rs": b"fn b() {}\n"})
        factory = PyGithubFactory(APP_ID, app_key, double.base_url, policy=FAST)
        port_a = await factory.for_installation(INSTALLATION)
        port_b = await factory.for_installation(78)
        double.inject(
            "GET", rf"/{OWNER}/{REPO}/pulls/\d+/files$", 429, headers={"retry-after": "1"}
        )
        finished: list[str] = []

        async def call(name: str, coro: object) -> None:
            await coro  # type: ignore[misc]
            finished.append(name)

        await asyncio.gather(
            call("limited", port_a.list_pr_files(REF, mine.number)),
            call("other", port_b.list_pr_files(RepoRef("other", "lib"), theirs.number)),
        )
        assert finished == ["other", "limited"]
        assert factory.rate_limits()[78].remaining >= 0


async def test_expired_installation_token_is_reminted_once_and_the_call_retried(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        factory, port, pr = await _port_and_pr(double, app_key)
        double.revoke_tokens(INSTALLATION)
        assert len(await port.list_pr_files(REF, pr.number)) == 1
        assert factory.tokens.mint_count == 2


async def test_token_rejected_even_after_reminting_is_a_401_error(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        factory, port, pr = await _port_and_pr(double, app_key)
        double.inject("GET", FILES, 401, times=5)
        with pytest.raises(GitHubError) as caught:
            await port.list_pr_files(REF, pr.number)
        assert caught.value.status == 401
        assert double.faults.injected == 2  # the first try and one after re-minting
        assert factory.tokens.mint_count == 2


async def test_token_minting_is_retried_on_a_server_error(app_key: RSAPrivateKey) -> None:
    async with running_double(app_key) as double:
        double.inject("POST", r"/access_tokens$", 502)
        factory = PyGithubFactory(APP_ID, app_key, double.base_url, policy=FAST)
        await factory.for_installation(INSTALLATION)
        assert factory.tokens.mint_count == 1


async def test_forgotten_installation_mints_again_and_uninstalled_one_is_not_found(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        factory, _, _ = await _port_and_pr(double, app_key)
        factory.forget(INSTALLATION)
        assert INSTALLATION not in factory.rate_limits()
        double.remove_installation(INSTALLATION)
        with pytest.raises(GitHubNotFound):
            await factory.for_installation(INSTALLATION)


async def test_pending_probe_accepts_good_comments_and_leaves_nothing_behind(
    app_key: RSAPrivateKey,
) -> None:
    async with running_double(app_key) as double:
        _, port, pr = await _port_and_pr(double, app_key)
        await port.validate_review_comments(
            REF, pr.number, pr.head_sha, [ReviewCommentDraft("a.rs", 1, "ok")]
        )
        assert double.reviews == [] and double.review_comments == []
        with pytest.raises(GitHubValidationError):
            await port.validate_review_comments(
                REF, pr.number, pr.head_sha, [ReviewCommentDraft("a.rs", 9, "outside")]
            )
        too_long = ReviewCommentDraft("a.rs", 1, "x" * 65_537)
        with pytest.raises(GitHubValidationError, match="too long"):
            await port.validate_review_comments(REF, pr.number, pr.head_sha, [too_long])
        assert double.reviews == []


def test_policy_write_interval_follows_writes_per_minute() -> None:
    assert dataclasses.replace(FAST, writes_per_minute=80).write_interval == pytest.approx(0.75)
    assert FAST.write_interval == 0.0
