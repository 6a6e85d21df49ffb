"""Post a review even when GitHub refuses some of its comments.

GitHub answers a review with one bad comment (a line outside the diff, a body
over 65,536 characters) with a 422 for the whole review and does not say which
comment it was. So: refuse what we can see is bad, post, and on a 422 bisect the
rest with pending-review probes (`validate_review_comments`, which leaves nothing
behind), then post the good comments in one review. The caller turns the
rejected ones into check-run annotations.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import GitHubValidationError
from bot.github.port import GitHubPort
from bot.github.types import PostedReview, RepoRef, ReviewCommentDraft

log = logging.getLogger(__name__)
MAX_COMMENT_BODY = 65_536  # GitHub's limit on one review comment body
MAX_PROBES = 32  # bisection budget: each probe is two writes (create + delete)


@dataclass(frozen=True)
class SalvagedReview:
    posted: PostedReview | None  # None when nothing could be posted
    accepted: tuple[int, ...]  # indexes of the drafts in the posted review, in order
    rejected: tuple[tuple[int, str], ...]  # (index, why GitHub or we refused it)


@dataclass(frozen=True)
class ReviewTarget:
    repo: RepoRef
    number: int
    commit_id: str


async def post_review_salvaging(
    port: GitHubPort,
    target: ReviewTarget,
    body: str,
    drafts: Sequence[ReviewCommentDraft],
    *,
    max_probes: int = MAX_PROBES,
) -> SalvagedReview:
    """One review with every comment GitHub accepts; the rest come back as rejected."""
    rejected = [
        (i, f"comment body longer than {MAX_COMMENT_BODY} characters")
        for i, d in enumerate(drafts)
        if len(d.body) > MAX_COMMENT_BODY
    ]
    candidates = [i for i, d in enumerate(drafts) if len(d.body) <= MAX_COMMENT_BODY]
    if not candidates:
        return SalvagedReview(None, (), tuple(rejected))
    try:
        posted = await _post(port, target, body, drafts, candidates)
        return SalvagedReview(posted, tuple(candidates), tuple(rejected))
    except GitHubValidationError as exc:
        log.warning("review rejected (%s); finding the comments GitHub refuses", exc)
    prober = _Prober(port, target, drafts, max_probes)
    bad = await prober.refused(candidates, known_bad=True)
    rejected += bad
    refused = {i for i, _ in bad}
    good = [i for i in candidates if i not in refused]
    log.warning("%d of %d comment(s) refused by GitHub", len(refused), len(candidates))
    if not good:
        return SalvagedReview(None, (), tuple(sorted(rejected)))
    posted = await _post(port, target, body, drafts, good)
    return SalvagedReview(posted, tuple(good), tuple(sorted(rejected)))


async def _post(
    port: GitHubPort,
    target: ReviewTarget,
    body: str,
    drafts: Sequence[ReviewCommentDraft],
    indexes: Sequence[int],
) -> PostedReview:
    chosen = [drafts[i] for i in indexes]
    return await port.create_review(target.repo, target.number, target.commit_id, body, chosen)


class _Prober:
    """Bisection over pending-review probes, within a budget of probes."""

    def __init__(
        self,
        port: GitHubPort,
        target: ReviewTarget,
        drafts: Sequence[ReviewCommentDraft],
        budget: int,
    ) -> None:
        self._port, self._target, self._drafts, self._budget = port, target, drafts, budget

    async def _reason(self, indexes: Sequence[int]) -> str | None:
        """None when GitHub accepts these comments, else its message."""
        self._budget -= 1
        try:
            await self._port.validate_review_comments(
                self._target.repo,
                self._target.number,
                self._target.commit_id,
                [self._drafts[i] for i in indexes],
            )
        except GitHubValidationError as exc:
            return str(exc)
        return None

    async def refused(
        self, indexes: Sequence[int], *, known_bad: bool = False
    ) -> list[tuple[int, str]]:
        if self._budget <= 0:
            # Out of probes: refuse the untested rest rather than lose the whole review.
            return [
                (i, "not posted: GitHub refused the review and the search gave up") for i in indexes
            ]
        reason = None if known_bad and len(indexes) > 1 else await self._reason(indexes)
        if len(indexes) == 1:
            return [] if reason is None else [(indexes[0], reason)]
        if reason is None and not known_bad:
            return []
        middle = len(indexes) // 2
        left = await self.refused(indexes[:middle])
        right = await self.refused(indexes[middle:], known_bad=not left)
        return left + right
