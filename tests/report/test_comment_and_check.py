"""Review-comment bodies, their hidden marker, and the check-run verdict."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bot.core.model import Finding, Severity
from bot.report.checkrun import to_annotation
from bot.report.comment import MAX_BODY_CHARS, parse_marker, render_comment
from bot.report.markdown import code_span
from bot.rulefiles import load_rules
from bot.service.gate import Gate, GateInput, decide

RULES = {r.id: r for r in load_rules()}


def _finding(**changes: object) -> Finding:
    base = Finding(
        rule="unwrap-used",
        severity=Severity.ERROR,
        path="src/lib.rs",
        line=3,
        column=9,
        end_line=3,
        end_column=18,
        message="`cfg.parse()` is unwrapped and panics on `None` or `Err`",
        fingerprint="0123456789abcdef0123",
        snippet="cfg.parse().unwrap()",
        item_path="impl Loader / fn load",
        subject="cfg.parse()",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_comment_names_the_code_and_the_item_and_carries_a_parseable_marker() -> None:
    body = render_comment(_finding(), RULES["unwrap-used"])
    assert "In `impl Loader / fn load`: `cfg.parse()` is unwrapped" in body
    assert "What input or state makes `cfg.parse()` fail" in body
    marker = parse_marker(body)
    assert marker is not None
    assert (marker.fingerprint, marker.rule) == ("0123456789abcdef0123", "unwrap-used")
    assert body.rstrip().endswith("-->")


def test_backticks_in_user_code_cannot_break_out_of_the_code_span() -> None:
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x`") == "`` `x` ``"
    body = render_comment(_finding(item_path="fn `evil` <img src=x>"), RULES["unwrap-used"])
    assert "``fn `evil` <img src=x>``" in body


def test_a_huge_comment_is_cut_below_githubs_limit_and_keeps_its_marker() -> None:
    rule = dataclasses.replace(RULES["unwrap-used"], why="x" * 100_000)
    body = render_comment(_finding(), rule)
    assert len(body) <= MAX_BODY_CHARS
    assert parse_marker(body) is not None


def test_marker_parser_rejects_malformed_markers() -> None:
    assert parse_marker("<!-- panicscan:v1 fp=XYZ rule=unwrap-used -->") is None
    assert parse_marker("no marker here") is None


def _gate(
    *findings: Finding, fail_level: str = "error", not_inline: Sequence[Finding] = ()
) -> Gate:
    return decide(GateInput(findings, {}, {}, not_inline, 25, fail_level))


def test_only_unsuppressed_errors_fail_the_check_by_default() -> None:
    warning = _finding(rule="index-or-slice", severity=Severity.WARNING)
    assert _gate(warning).conclusion == "success"
    assert _gate(warning, fail_level="warning").conclusion == "failure"
    assert _gate(_finding()).conclusion == "failure"
    assert _gate(_finding(), fail_level="never").conclusion == "success"
    assert _gate(_finding(suppressed="test-code")).conclusion == "success"
    assert _gate().output.title == "No unwaived panic sites in the new code"


def test_annotation_columns_only_on_single_line_findings() -> None:
    single = to_annotation(_finding())
    assert (single.start_column, single.end_column, single.annotation_level) == (9, 18, "failure")
    multi = to_annotation(_finding(end_line=5))
    assert (multi.start_column, multi.end_column) == (None, None)


def test_findings_not_posted_inline_are_named_in_the_summary() -> None:
    verdict = _gate(_finding(), not_inline=[_finding()])
    assert "1 finding(s) could not be posted inline" in verdict.output.summary
    assert len(verdict.output.annotations) == 1
