"""pull_request opened / synchronize / reopened / ready_for_review: review the new code.

Flow: check run in_progress → PR files → head blobs of changed .rs files (cached
by blob sha) → core scan → one review with an inline comment per finding on a
commentable line → check run completed. Whatever fails, the check run is
completed (a run stuck in_progress blocks merges forever).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

from bot.core.diff import parse_file_patch
from bot.core.model import FileChange, Finding, Problem, Rule, ScanResult, Severity
from bot.core.scan import DEFAULT_OPTIONS, ScanOptions, scan, targets_from_diff
from bot.errors import GitHubError, InputError, PanicscanError
from bot.github.port import GitHubPort, GitHubPortFactory
from bot.github.types import CheckRunOutput, PRFile, RepoRef, ReviewCommentDraft
from bot.report.checkrun import CHECK_NAME, build_verdict
from bot.report.comment import render_comment
from bot.service.events import EventContext

log = logging.getLogger(__name__)

REVIEW_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review")
BLOB_CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class PullRequestEvent:
    """The few payload fields a review needs, validated once at the boundary."""

    repo: RepoRef
    number: int
    head_sha: str
    installation_id: int
    state: str

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> PullRequestEvent | None:
        pr = payload.get("pull_request")
        repo = payload.get("repository")
        installation = payload.get("installation")
        if not (isinstance(pr, Mapping) and isinstance(repo, Mapping)):
            return None
        if not isinstance(installation, Mapping):
            return None
        owner = repo.get("owner")
        head = pr.get("head")
        fields = (
            owner.get("login") if isinstance(owner, Mapping) else None,
            repo.get("name"),
            pr.get("number"),
            head.get("sha") if isinstance(head, Mapping) else None,
            installation.get("id"),
            pr.get("state", "open"),
        )
        login, name, number, sha, inst, state = fields
        if not (isinstance(login, str) and isinstance(name, str) and isinstance(sha, str)):
            return None
        if not (isinstance(number, int) and isinstance(inst, int) and isinstance(state, str)):
            return None
        return cls(RepoRef(login, name), number, sha, inst, state)


@dataclass(frozen=True)
class ReviewPlan:
    """What one push turns into: inline comments, and findings that can only be annotations."""

    comments: tuple[tuple[Finding, ReviewCommentDraft], ...]
    not_inline: tuple[Finding, ...]


def plan_review(
    result: ScanResult, changes: Mapping[str, FileChange], rules: Mapping[str, Rule]
) -> ReviewPlan:
    """Inline comments only where GitHub accepts them: a head-side line inside a hunk."""
    comments: list[tuple[Finding, ReviewCommentDraft]] = []
    not_inline: list[Finding] = []
    for finding in result.findings:
        if finding.suppressed:
            continue
        change = changes.get(finding.path)
        rule = rules.get(finding.rule)
        if change is None or rule is None or finding.line not in change.commentable_lines:
            not_inline.append(finding)
            continue
        draft = ReviewCommentDraft(
            path=finding.path, line=finding.line, body=render_comment(finding, rule)
        )
        comments.append((finding, draft))
    return ReviewPlan(tuple(comments), tuple(not_inline))


class PullRequestReviewer:
    def __init__(
        self,
        factory: GitHubPortFactory,
        rules: Sequence[Rule],
        options: ScanOptions = DEFAULT_OPTIONS,
        fail_level: Severity = Severity.ERROR,
    ) -> None:
        self._factory = factory
        self._rules = tuple(rules)
        self._rules_by_id = {r.id: r for r in rules}
        self._options = options
        self._fail_level = fail_level
        self._blobs: LRUCache[str, bytes] = LRUCache(maxsize=BLOB_CACHE_BYTES, getsizeof=len)

    async def handle(self, ctx: EventContext) -> None:
        event = PullRequestEvent.from_payload(ctx.payload)
        if event is None:
            ctx.logger.warning("pull_request payload lacks the fields a review needs; ignored")
            return
        if event.state != "open":
            ctx.logger.info("PR #%s is %s; nothing to review", event.number, event.state)
            return
        port = await self._factory.for_installation(event.installation_id)
        check_id = await port.create_check_run(event.repo, event.head_sha, CHECK_NAME)
        try:
            await self._review(port, event, check_id, ctx.logger)
        except (PanicscanError, OSError) as exc:
            ctx.logger.error("review of %s#%s failed: %s", event.repo.full_name, event.number, exc)
            await self._fail_check(port, event, check_id, exc)
        except asyncio.CancelledError:
            await asyncio.shield(self._fail_check(port, event, check_id, "the job was cancelled"))
            raise
        except Exception as exc:
            # Deliberately broad: the check run must never be left in_progress.
            ctx.logger.exception(
                "unexpected error reviewing %s#%s", event.repo.full_name, event.number
            )
            await self._fail_check(port, event, check_id, f"internal error ({type(exc).__name__})")
            raise

    async def _review(
        self,
        port: GitHubPort,
        event: PullRequestEvent,
        check_id: int,
        logger: logging.LoggerAdapter[logging.Logger],
    ) -> None:
        files = await port.list_pr_files(event.repo, event.number)
        changes: dict[str, FileChange] = {}
        problems: list[Problem] = []
        for f in files:
            try:
                changes[f.filename] = _to_change(f)
            except InputError as exc:
                problems.append(Problem(f.filename, f"patch unreadable, not analysed: {exc}"))
        targets, diff_problems = targets_from_diff(list(changes.values()))
        problems += diff_problems
        problems += [
            Problem(f.filename, "GitHub sent no patch (binary or too large); not analysed")
            for f in files
            if f.patch is None and f.filename.endswith(".rs") and f.status != "removed"
        ]
        shas = {f.filename: f.sha for f in files}
        sources: dict[str, bytes | None] = {}
        for target in targets:
            sources[target.path] = await self._head_blob(
                port, event.repo, shas.get(target.path), logger
            )
        result = scan(targets, sources, self._rules, self._options, problems=problems)
        plan = plan_review(result, changes, self._rules_by_id)
        if plan.comments:
            body = (
                f"panicscan found {len(plan.comments)} place(s) where the new code can panic. "
                "Each comment asks what input makes it fail and what should happen instead."
            )
            await port.create_review(
                event.repo, event.number, event.head_sha, body, [d for _, d in plan.comments]
            )
        verdict = build_verdict(result, not_inline=plan.not_inline, fail_level=self._fail_level)
        await port.complete_check_run(event.repo, check_id, verdict.conclusion, verdict.output)
        logger.info(
            "reviewed %s#%s at %s: %d finding(s), %d inline, conclusion %s",
            event.repo.full_name,
            event.number,
            event.head_sha[:7],
            len(result.findings),
            len(plan.comments),
            verdict.conclusion,
        )

    async def _head_blob(
        self,
        port: GitHubPort,
        repo: RepoRef,
        sha: str | None,
        logger: logging.LoggerAdapter[logging.Logger],
    ) -> bytes | None:
        if sha is None:
            return None
        cached = self._blobs.get(sha)
        if cached is not None:
            return cached
        try:
            data = await port.get_blob(repo, sha)
        except GitHubError as exc:
            # Without the head file the hunk text alone is analysed (partial context).
            logger.warning("blob %s unavailable (%s); using hunk text", sha[:7], exc)
            return None
        if len(data) <= self._options.max_file_bytes:
            self._blobs[sha] = data
        return data

    async def _fail_check(
        self, port: GitHubPort, event: PullRequestEvent, check_id: int, reason: object
    ) -> None:
        output = CheckRunOutput(
            title="panicscan could not finish this review",
            summary=(
                f"The review of {event.head_sha[:7]} failed: {reason}.\n\n"
                "Nothing was decided about this code. Push again or re-run the check."
            ),
        )
        try:
            await port.complete_check_run(event.repo, check_id, "failure", output)
        except GitHubError as exc:
            log.error("could not complete check run %s: %s", check_id, exc)


def _to_change(f: PRFile) -> FileChange:
    return parse_file_patch(f.filename, f.patch, status=f.status, old_path=f.previous_filename)
