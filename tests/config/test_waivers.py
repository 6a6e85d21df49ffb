"""Who may waive, and what a waiver does to findings."""

from __future__ import annotations

from bot.core.model import Finding, Severity
from bot.service.waivers import Waiver, apply_waivers, match_target, may_waive

F = Finding("unwrap-used", Severity.ERROR, "a.rs", 1, 1, 1, 2, "m", "abcdef0123456789abcd")


def _may(**kw: object) -> bool:
    args = {
        "user": "alice",
        "user_type": "User",
        "permission": "write",
        "min_permission": "write",
        "pr_author": "bob",
        "author_may_waive": True,
    }
    args.update(kw)
    return may_waive(**args).allowed  # type: ignore[arg-type]


def test_writers_may_waive_readers_and_bots_may_not() -> None:
    assert _may()
    assert _may(permission="admin")
    assert not _may(permission="read")
    assert not _may(permission="triage")
    assert not _may(permission="something-new")
    assert not _may(user="ci[bot]", user_type="Bot", permission="admin")


def test_the_author_may_waive_unless_the_repo_says_no() -> None:
    assert _may(user="bob")
    assert not _may(user="bob", author_may_waive=False)
    assert not _may(min_permission="maintain")


def test_waived_findings_are_marked_not_dropped() -> None:
    w = Waiver(F.fingerprint, F.rule, F.path, "alice", "checked", "a" * 40, "2026-01-01T00:00:00Z")
    [out] = apply_waivers([F], {F.fingerprint: w})
    assert out.suppressed == "waived"
    assert apply_waivers([F], {}) == [F]


def test_targets_match_a_rule_or_a_fingerprint_prefix_of_six_or_more() -> None:
    assert match_target("unwrap-used", [F]) == [F]
    assert match_target("abcdef", [F]) == [F]
    assert match_target("abc", [F]) == []
