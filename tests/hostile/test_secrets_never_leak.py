"""Secrets never appear in logs, posted bodies, check summaries or error replies.

Runs a review through faults, a revoked token and a failing job, capturing every
log record at DEBUG (PyGithub's and urllib3's included) and every request and
reply the double saw, then greps all of it for the webhook secret, the private
key and every installation token that was minted.
"""

from __future__ import annotations

import json
import logging

import pytest
from hostile_support import FAST, open_example

from bot.github.double_faults import RESET
from bot.stack import INSTALLATION_ID, LoopbackStack


def _key_lines(pem: bytes) -> list[str]:
    return [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]


async def test_no_secret_in_any_log_line_posted_body_or_reply(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with LoopbackStack() as stack:
        stack.factory.policy = FAST
        pr = open_example(stack)
        stack.double.inject("GET", r"/pulls/\d+/files$", 502)
        stack.double.inject("GET", r"/git/blobs/", RESET)
        await stack.open_pull_request(pr)
        assert await stack.settle(30)
        stack.double.revoke_tokens(INSTALLATION_ID)  # forces a 401 and a re-mint
        stack.double.inject("GET", r"/pulls/\d+/files$", 500, times=100)  # a failed job
        second = open_example(stack, "other")
        bad_signature = await stack.deliver("ping", {"zen": "x"})
        await stack.open_pull_request(second)
        assert await stack.settle(30)
        tokens = list(stack.double._ctx.store.tokens)  # minted tokens still valid
        secrets = [stack.webhook_secret, *_key_lines(stack.private_key_pem)]
        seen = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
        # Every request and reply, except the mint reply: that is how GitHub hands the token over.
        seen += [
            json.dumps([r.body, None if r.path.endswith("/access_tokens") else r.response])
            for r in stack.double.requests
        ]
        seen += [run.summary or "" for run in stack.double.check_runs]
        seen += [c.body for c in stack.double.review_comments]
        seen.append(bad_signature.body)
    assert stack.factory.tokens.mint_count >= 2 and tokens
    assert any("401" in line for line in seen)  # the revoked token really was refused
    for secret in [*secrets, *tokens]:
        leaks = [line[:200] for line in seen if secret in line]
        assert leaks == [], f"secret found in {leaks}"
