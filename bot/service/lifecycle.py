"""One thread per fingerprint, across every push: what a push adds, keeps and closes.

Pure planning; the handler reads the existing threads from GitHub (recognised by the
hidden marker AND the bot's own authorship) and carries the plan out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.model import Finding

GROUP_MIN = 3  # identical findings in one file from this many on share one comment


@dataclass(frozen=True)
class BotThread:
    """An inline comment the bot posted earlier, as read back from GitHub."""

    comment_id: int
    fingerprints: tuple[str, ...]
    rule: str
    path: str
    resolved: bool = False
    thread_id: str | None = None  # GraphQL node id of the review thread, when known


@dataclass(frozen=True)
class NewThread:
    """A comment to post: its anchor finding, plus identical findings grouped with it."""

    anchor: Finding
    grouped: tuple[Finding, ...] = ()

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return (self.anchor.fingerprint, *(f.fingerprint for f in self.grouped))


@dataclass(frozen=True)
class PushPlan:
    post: tuple[NewThread, ...]  # new fingerprints, within the budget
    over_budget: tuple[Finding, ...]  # new fingerprints that go to annotations only
    fixed: tuple[BotThread, ...]  # threads whose fingerprints are all gone: reply + resolve
    returned: tuple[BotThread, ...]  # resolved threads whose fingerprint is back: reopen
    kept: tuple[BotThread, ...]  # still present; nothing new is posted


def group_identical(findings: Sequence[Finding]) -> list[NewThread]:
    """Same rule, same code, same file, GROUP_MIN or more times: one comment for all."""
    buckets: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        buckets[(f.path, f.rule, f.snippet)].append(f)
    threads: list[NewThread] = []
    for f in findings:
        bucket = buckets[(f.path, f.rule, f.snippet)]
        if len(bucket) >= GROUP_MIN:
            if bucket[0] is f:
                threads.append(NewThread(f, tuple(bucket[1:])))
        else:
            threads.append(NewThread(f))
    return threads


def plan_push(
    findings: Sequence[Finding],
    existing: Sequence[BotThread],
    *,
    budget: int,
    commentable: Mapping[str, frozenset[int]],
) -> PushPlan:
    """`findings` are the unsuppressed findings of this push; `commentable` maps each
    path to the head lines GitHub accepts a comment on."""
    present = {f.fingerprint for f in findings}
    known = {fp for t in existing for fp in t.fingerprints}
    fresh = [f for f in findings if f.fingerprint not in known]
    inline_ok = [f for f in fresh if f.line in commentable.get(f.path, frozenset())]
    not_inline = [f for f in fresh if f.line not in commentable.get(f.path, frozenset())]
    candidates = group_identical(inline_ok)
    post = tuple(candidates[:budget])
    over = [t.anchor for t in candidates[budget:]] + [
        g for t in candidates[budget:] for g in t.grouped
    ]
    fixed = tuple(
        t for t in existing if not t.resolved and not any(fp in present for fp in t.fingerprints)
    )
    returned = tuple(
        t for t in existing if t.resolved and any(fp in present for fp in t.fingerprints)
    )
    kept = tuple(t for t in existing if any(fp in present for fp in t.fingerprints))
    return PushPlan(
        post, tuple(sorted(over + not_inline, key=lambda f: f.sort_key)), fixed, returned, kept
    )
