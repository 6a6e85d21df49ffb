"""A review with comments GitHub refuses: the rest is still posted, in one review."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import GitHubValidationError
from bot.github.salvage import MAX_COMMENT_BODY, MAX_PROBES, ReviewTarget, post_review_salvaging
from bot.github.types import PostedReview, RepoRef, ReviewCommentDraft

TARGET = ReviewTarget(RepoRef("acme", "widgets"), 1, "f" * 40)
REFUSED = "Pull request review thread line must be part of the diff"


class RefusingPort:
    """Refuses any review or probe holding a comment on a line in `bad_lines`, like GitHub."""

    def __init__(self, bad_lines: set[int]) -> None:
        self.bad_lines = bad_lines
        self.reviews: list[list[ReviewCommentDraft]] = []
        self.probes = 0

    def _check(self, comments: Sequence[ReviewCommentDraft]) -> None:
        if any(c.line in self.bad_lines for c in comments):
            raise GitHubValidationError(f"POST reviews: HTTP 422: {REFUSED}", status=422)

    async def create_review(
        self,
        repo: RepoRef,
        number: int,
        commit_id: str,
        body: str,
        comments: Sequence[ReviewCommentDraft],
    ) -> PostedReview:
        self._check(comments)
        self.reviews.append(list(comments))
        return PostedReview(len(self.reviews), tuple(range(len(comments))))

    async def validate_review_comments(
        self, repo: RepoRef, number: int, commit_id: str, comments: Sequence[ReviewCommentDraft]
    ) -> None:
        self.probes += 1
        self._check(comments)


def _drafts(n: int) -> list[ReviewCommentDraft]:
    return [ReviewCommentDraft("src/lib.rs", line, f"comment {line}") for line in range(1, n + 1)]


async def test_one_bad_comment_costs_only_itself() -> None:
    port = RefusingPort({7})
    salvage = await post_review_salvaging(port, TARGET, "body", _drafts(40))  # type: ignore[arg-type]
    assert [i for i, _ in salvage.rejected] == [6]
    assert REFUSED in salvage.rejected[0][1]
    assert len(port.reviews) == 1 and len(port.reviews[0]) == 39
    assert salvage.accepted == tuple(i for i in range(40) if i != 6)
    assert port.probes <= 2 * 6 + 1  # bisection, not one probe per comment


async def test_oversized_body_is_refused_without_asking_github() -> None:
    port = RefusingPort(set())
    drafts = [*_drafts(2), ReviewCommentDraft("src/lib.rs", 3, "x" * (MAX_COMMENT_BODY + 1))]
    salvage = await post_review_salvaging(port, TARGET, "body", drafts)  # type: ignore[arg-type]
    assert salvage.rejected == ((2, f"comment body longer than {MAX_COMMENT_BODY} characters"),)
    assert port.probes == 0 and [len(r) for r in port.reviews] == [2]


async def test_all_refused_posts_no_review() -> None:
    port = RefusingPort({1, 2, 3})
    salvage = await post_review_salvaging(port, TARGET, "body", _drafts(3))  # type: ignore[arg-type]
    assert salvage.posted is None and salvage.accepted == ()
    assert [i for i, _ in salvage.rejected] == [0, 1, 2]
    assert port.reviews == []


async def test_exhausted_probe_budget_refuses_the_untested_rest_but_posts_the_known_good() -> None:
    port = RefusingPort(set(range(1, 65, 2)))  # every other comment is bad
    salvage = await post_review_salvaging(port, TARGET, "b", _drafts(64), max_probes=6)  # type: ignore[arg-type]
    assert port.probes <= 6
    posted = port.reviews[-1] if port.reviews else []
    assert all(c.line not in port.bad_lines for c in posted)
    assert len(salvage.accepted) + len(salvage.rejected) == 64


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 48).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(1, n)))))
def test_exactly_the_refused_comments_are_rejected(case: tuple[int, set[int]]) -> None:
    n, bad = case
    port = RefusingPort(bad)
    salvage = asyncio.run(
        post_review_salvaging(port, TARGET, "b", _drafts(n), max_probes=10_000)  # type: ignore[arg-type]
    )
    assert {i + 1 for i, _ in salvage.rejected} == bad
    assert {i + 1 for i in salvage.accepted} == set(range(1, n + 1)) - bad
    assert len(port.reviews) == (1 if len(bad) < n else 0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 48).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(1, n)))))
def test_within_the_default_budget_no_refused_comment_is_ever_posted(
    case: tuple[int, set[int]],
) -> None:
    n, bad = case
    port = RefusingPort(bad)
    salvage = asyncio.run(post_review_salvaging(port, TARGET, "b", _drafts(n)))  # type: ignore[arg-type]
    assert port.probes <= MAX_PROBES
    assert not {i + 1 for i in salvage.accepted} & bad
    assert sorted([*salvage.accepted, *(i for i, _ in salvage.rejected)]) == list(range(n))
