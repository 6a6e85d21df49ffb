"""The `panicscan` check run: conclusion, markdown summary and annotations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.model import Finding, ScanResult, Severity
from bot.github.types import Annotation, CheckRunOutput
from bot.report.markdown import code_span, render_inline

CHECK_NAME = "panicscan"
MAX_SUMMARY_CHARS = 65_535
MAX_TABLE_ROWS = 200
_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


@dataclass(frozen=True)
class CheckVerdict:
    conclusion: str  # success | failure
    output: CheckRunOutput


def blocking(findings: Sequence[Finding], fail_level: Severity) -> list[Finding]:
    """Unsuppressed findings at or above the fail level: these hold the merge."""
    return [f for f in findings if not f.suppressed and f.severity.rank >= fail_level.rank]


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


def build_verdict(
    result: ScanResult,
    *,
    not_inline: Sequence[Finding] = (),
    fail_level: Severity = Severity.ERROR,
) -> CheckVerdict:
    active = [f for f in result.findings if not f.suppressed]
    stopping = blocking(result.findings, fail_level)
    conclusion = "failure" if stopping else "success"
    if not active:
        title = "No new panic sites"
    else:
        title = f"{len(active)} possible panic(s) in new code, {len(stopping)} blocking"
    summary = _summary(result, active, not_inline)
    return CheckVerdict(
        conclusion=conclusion,
        output=CheckRunOutput(
            title=title,
            summary=summary,
            annotations=tuple(to_annotation(f) for f in active),
        ),
    )


def _summary(result: ScanResult, active: list[Finding], not_inline: Sequence[Finding]) -> str:
    s = result.stats
    lines = [
        f"Scanned {s.files} Rust file(s), {s.changed_lines} changed line(s) "
        f"in {s.total_ms:.0f} ms.",
        "",
    ]
    if active:
        counts = Counter((f.severity, f.rule) for f in active)
        lines += ["| severity | rule | count |", "|---|---|---|"]
        for (sev, rule), n in sorted(counts.items(), key=lambda kv: (-kv[0][0].rank, kv[0][1])):
            lines.append(f"| {sev.value} | {code_span(rule)} | {n} |")
        lines += ["", "| location | rule | finding |", "|---|---|---|"]
        for f in active[:MAX_TABLE_ROWS]:
            message = render_inline(f.message).replace("|", "\\|")
            lines.append(f"| {code_span(f'{f.path}:{f.line}')} | {code_span(f.rule)} | {message} |")
        if len(active) > MAX_TABLE_ROWS:
            lines.append(f"\n…and {len(active) - MAX_TABLE_ROWS} more (see the annotations).")
    if not_inline:
        lines += [
            "",
            f"{len(not_inline)} finding(s) could not be posted as inline comments "
            "(their lines are outside the diff GitHub shows); they are in the annotations.",
        ]
    suppressed = [f for f in result.findings if f.suppressed]
    if suppressed:
        reasons = Counter(f.suppressed for f in suppressed)
        tally = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=str))
        lines += ["", f"Suppressed: {tally}."]
    if result.problems:
        lines += ["", "**Not fully analysed:**"]
        lines += [f"- {code_span(p.path)}: {p.message}" for p in result.problems[:50]]
    summary = "\n".join(lines)
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 40] + "\n\n…(summary truncated)"
    return summary
