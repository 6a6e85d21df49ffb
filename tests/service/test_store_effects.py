"""Idempotent effects: a retried job reuses its check run and never re-posts a comment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.model import Finding, Severity
from bot.errors import GitHubError
from bot.github.types import CheckRunOutput, RepoRef, ReviewCommentDraft
from bot.service.events import make_context
from bot.service.store import Store, open_store
from bot.service.store_effects import (
    PENDING,
    DeadLetterReporter,
    EffectLog,
    open_check_run,
)

REPO = RepoRef("acme", "edge")
SHA = "a" * 40


@dataclass(frozen=True)
class Comment:
    body: str
    user_type: str = "Bot"


@dataclass
class FakePort:
    """Just the calls the effects make, with a log of what reached 'GitHub'."""

    runs: list[int] = field(default_factory=list)
    completed: list[tuple[int, str, str]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    lookups_fail: bool = False

    async def create_check_run(self, repo: RepoRef, head_sha: str, name: str) -> int:
        self.runs.append(100 + len(self.runs))
        return self.runs[-1]

    async def check_run_ids(self, repo: RepoRef, sha: str, name: str) -> list[int]:
        if self.lookups_fail:
            raise GitHubError("GET check-runs: HTTP 502")
        return list(self.runs)

    async def complete_check_run(
        self, repo: RepoRef, check_run_id: int, conclusion: str, output: CheckRunOutput
    ) -> None:
        self.completed.append((check_run_id, conclusion, output.summary))

    async def list_review_comments(self, repo: RepoRef, number: int) -> list[Comment]:
        return list(self.comments)


@dataclass
class FakeFactory:
    port: FakePort

    async def for_installation(self, installation_id: int) -> FakePort:
        return self.port


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'effects.db'}")
    s.migrate()
    yield s
    s.close()


def finding(fp: str) -> Finding:
    return Finding("unwrap-used", Severity.ERROR, "src/lib.rs", 3, 5, 3, 20, "m", fp)


def planned(*fps: str) -> list[tuple[Finding, ReviewCommentDraft]]:
    return [(finding(fp), ReviewCommentDraft("src/lib.rs", 3, f"body {fp}")) for fp in fps]


async def test_a_retry_reuses_the_check_run_of_its_head(store: Store) -> None:
    port, effects = FakePort(), EffectLog(store)
    first = await open_check_run(port, effects, REPO, SHA, "panicscan")  # type: ignore[arg-type]
    again = await open_check_run(port, effects, REPO, SHA, "panicscan")  # type: ignore[arg-type]
    assert first == again == 100 and port.runs == [100]


async def test_a_run_created_by_an_attempt_that_died_unrecorded_is_adopted(store: Store) -> None:
    port, effects = FakePort(runs=[555]), EffectLog(store)  # GitHub has it, the store not
    store.record_check_run(REPO.full_name, SHA, PENDING, 1.0)  # the intent survived
    adopted = await open_check_run(port, effects, REPO, SHA, "panicscan")  # type: ignore[arg-type]
    assert adopted == 555 and port.runs == [555]
    assert store.check_run_for(REPO.full_name, SHA) == 555


async def test_a_failed_lookup_creates_a_new_run_rather_than_none(store: Store) -> None:
    port, effects = FakePort(runs=[555], lookups_fail=True), EffectLog(store)
    store.record_check_run(REPO.full_name, SHA, PENDING, 1.0)
    got = await open_check_run(port, effects, REPO, SHA, "panicscan")  # type: ignore[arg-type]
    assert got == 101


async def test_a_dead_lettered_review_completes_its_check_run_as_failure(store: Store) -> None:
    port, effects = FakePort(), EffectLog(store)
    payload = {
        "action": "opened",
        "repository": {"full_name": "acme/edge", "name": "edge", "owner": {"login": "acme"}},
        "pull_request": {"number": 1, "head": {"sha": SHA}},
        "installation": {"id": 7},
    }
    ctx = make_context("d1", "pull_request", json.loads(json.dumps(payload)))
    reporter = DeadLetterReporter(FakeFactory(port), effects, "panicscan")  # type: ignore[arg-type]
    await reporter(ctx, "RuntimeError: " + "x" * 100_000)
    ((run_id, conclusion, summary),) = port.completed
    assert (run_id, conclusion) == (100, "failure")
    assert "gave up" not in summary and len(summary) < 2000


async def test_a_dead_letter_without_a_pull_request_reports_nothing(store: Store) -> None:
    port = FakePort()
    reporter = DeadLetterReporter(FakeFactory(port), EffectLog(store), "panicscan")  # type: ignore[arg-type]
    await reporter(make_context("d1", "pull_request", {"action": "opened"}), "boom")
    await reporter(make_context("d2", "issue_comment", {"installation": {"id": 1}}), "boom")
    assert port.completed == [] and port.runs == []
