"""The `panicscan` check run's building blocks: its name, what blocks, annotations."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.model import Finding, Severity
from bot.github.types import Annotation
from bot.report.markdown import render_inline

CHECK_NAME = "panicscan"
MAX_SUMMARY_CHARS = 65_535
MAX_TABLE_ROWS = 200
_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def blocking(findings: Sequence[Finding], fail_level: str) -> list[Finding]:
    """Unsuppressed findings at or above the fail level (error | warning | notice |
    never): these hold the merge, in the App's gate and in the CLI's exit status."""
    if fail_level == "never":
        return []
    level = Severity(fail_level).rank
    return [f for f in findings if f.suppressed is None and f.severity.rank >= level]


def to_annotation(finding: Finding) -> Annotation:
    same_line = finding.line == finding.end_line
    return Annotation(
        path=finding.path,
        start_line=finding.line,
        end_line=finding.end_line,
        annotation_level=_LEVELS[finding.severity],
        message=render_inline(finding.message)[:4000],
        title=f"{finding.rule}: {finding.snippet}"[:255],
        # GitHub accepts columns only when the annotation spans a single line.
        start_column=finding.column if same_line else None,
        end_column=finding.end_column if same_line else None,
    )
