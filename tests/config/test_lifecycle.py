"""Planning a push: new threads within budget, nothing twice, fixed threads closed."""

from __future__ import annotations

import dataclasses

from bot.core.model import Finding, Severity
from bot.service.lifecycle import BotThread, group_identical, plan_push

LINES = {"src/lib.rs": frozenset(range(1, 500))}


def _f(fp: str, line: int, snippet: str = "x.unwrap()", path: str = "src/lib.rs") -> Finding:
    return Finding(
        rule="unwrap-used",
        severity=Severity.ERROR,
        path=path,
        line=line,
        column=1,
        end_line=line,
        end_column=2,
        message="m",
        fingerprint=fp,
        snippet=snippet,
    )


def _thread(cid: int, *fps: str, resolved: bool = False) -> BotThread:
    return BotThread(cid, fps, "unwrap-used", "src/lib.rs", resolved)


def test_first_push_posts_every_finding() -> None:
    plan = plan_push([_f("a", 1, "a()"), _f("b", 2, "b()")], [], budget=25, commentable=LINES)
    assert [t.anchor.fingerprint for t in plan.post] == ["a", "b"]
    assert plan.fixed == plan.kept == plan.over_budget == ()


def test_a_moved_finding_keeps_its_thread_and_gets_nothing_new() -> None:
    moved = _f("a", 40, "a()")
    plan = plan_push([moved], [_thread(1, "a")], budget=25, commentable=LINES)
    assert plan.post == () and [t.comment_id for t in plan.kept] == [1]


def test_a_vanished_fingerprint_closes_its_thread_once() -> None:
    plan = plan_push(
        [], [_thread(1, "a"), _thread(2, "b", resolved=True)], budget=25, commentable=LINES
    )
    assert [t.comment_id for t in plan.fixed] == [1]


def test_a_returning_fingerprint_reopens_its_resolved_thread_without_a_new_comment() -> None:
    plan = plan_push(
        [_f("b", 3, "b()")], [_thread(2, "b", resolved=True)], budget=25, commentable=LINES
    )
    assert plan.post == () and [t.comment_id for t in plan.returned] == [2]


def test_the_budget_caps_inline_comments_and_the_rest_go_to_annotations() -> None:
    findings = [_f(f"f{i}", i + 1, f"v{i}()") for i in range(200)]
    plan = plan_push(findings, [], budget=25, commentable=LINES)
    assert len(plan.post) == 25
    assert len(plan.over_budget) == 175
    assert {f.fingerprint for f in plan.over_budget}.isdisjoint(
        {t.anchor.fingerprint for t in plan.post}
    )


def test_findings_outside_the_diff_go_to_annotations() -> None:
    outside = _f("z", 900, "z()")
    plan = plan_push([outside], [], budget=25, commentable=LINES)
    assert plan.post == () and plan.over_budget == (outside,)


def test_identical_findings_repeated_in_a_file_share_one_comment() -> None:
    same = [_f(f"s{i}", 10 + i) for i in range(4)]
    other = _f("o", 30, "y.unwrap()")
    threads = group_identical([*same, other])
    assert [(t.anchor.fingerprint, len(t.grouped)) for t in threads] == [("s0", 3), ("o", 0)]
    assert threads[0].fingerprints == ("s0", "s1", "s2", "s3")
    # Two are not grouped, and the same code in another file is its own group.
    pair = [_f("p0", 1), _f("p1", 2), dataclasses.replace(_f("q", 3), path="src/b.rs")]
    assert [len(t.grouped) for t in group_identical(pair)] == [0, 0, 0]


def test_a_grouped_thread_stays_while_any_of_its_fingerprints_remains() -> None:
    plan = plan_push([_f("s2", 12)], [_thread(1, "s0", "s1", "s2")], budget=25, commentable=LINES)
    assert plan.fixed == () and plan.post == ()
