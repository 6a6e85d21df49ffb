"""The merge gate: the check run's conclusion and its markdown summary.

Pure. `failure` while any unwaived finding at or above the fail level exists,
`success` otherwise; `neutral` is never used (merge tools read it as passing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.model import Finding, Problem
from bot.core.repoconfig import ConfigIssue
from bot.github.types import CheckRunOutput
from bot.report.checkrun import MAX_SUMMARY_CHARS, blocking, to_annotation
from bot.report.markdown import code_span, render_inline
from bot.service.waivers import Waiver

MAX_ROWS = 100


@dataclass(frozen=True)
class GateInput:
    findings: Sequence[Finding]  # waived ones marked suppressed="waived"
    waivers: Mapping[str, Waiver]
    threads: Mapping[str, str]  # fingerprint -> html url of its thread
    not_inline: Sequence[Finding]  # over budget or outside the diff: annotations only
    budget: int
    fail_level: str  # error | warning | notice | never
    problems: Sequence[Problem] = ()
    config_issues: Sequence[ConfigIssue] = ()
    notes: Sequence[str] = ()  # e.g. "draft: no inline comments"
    files: int = 0
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Gate:
    conclusion: str  # success | failure
    blocking: tuple[Finding, ...]
    output: CheckRunOutput


def decide(gate: GateInput) -> Gate:
    active = [f for f in gate.findings if f.suppressed is None]
    stopping = blocking(gate.findings, gate.fail_level)
    conclusion = "failure" if stopping else "success"
    if stopping:
        title = f"{len(stopping)} unwaived finding(s) block the merge"
    elif active:
        title = f"{len(active)} finding(s) below the fail level; nothing blocks"
    else:
        title = "No unwaived panic sites in the new code"
    if gate.config_issues:
        title += " (config problems: defaults used)"
    return Gate(
        conclusion,
        tuple(stopping),
        CheckRunOutput(
            title=title[:255],
            summary=_summary(gate, active, stopping),
            annotations=tuple(to_annotation(f) for f in active),
        ),
    )


def _summary(gate: GateInput, active: list[Finding], stopping: list[Finding]) -> str:
    lines: list[str] = []
    if gate.config_issues:
        lines += ["> [!WARNING]", "> **`.github/panicscan.yml` has problems; defaults were used:**"]
        lines += [f"> - {render_inline(str(i))[:300]}" for i in gate.config_issues[:30]]
        lines += [""]
    level = "never fails" if gate.fail_level == "never" else f"fails at `{gate.fail_level}`"
    lines += [
        f"Analysed {gate.files} Rust file(s) in {gate.elapsed_ms:.0f} ms; the gate {level}: "
        f"**{len(stopping)} blocking**, {len(active)} unwaived, {len(gate.waivers)} waived.",
        "",
    ]
    lines += [f"_{n}_" for n in gate.notes]
    if active:
        counts = Counter((f.severity, f.rule) for f in active)
        lines += ["| severity | rule | count |", "|---|---|---|"]
        for (sev, rule), n in sorted(counts.items(), key=lambda kv: (-kv[0][0].rank, kv[0][1])):
            lines.append(f"| {sev.value} | {code_span(rule)} | {n} |")
        lines += ["", "**Unwaived findings**", "", "| location | rule | severity | thread |"]
        lines += ["|---|---|---|---|"]
        for f in active[:MAX_ROWS]:
            url = gate.threads.get(f.fingerprint)
            link = f"[thread]({url})" if url else "annotation only"
            lines.append(
                f"| {code_span(f'{f.path}:{f.line}')} | {code_span(f.rule)} "
                f"| {f.severity.value} | {link} |"
            )
        if len(active) > MAX_ROWS:
            lines.append(f"\n…and {len(active) - MAX_ROWS} more (see the annotations).")
    if gate.not_inline:
        by_rule = Counter(f.rule for f in gate.not_inline)
        grouped = ", ".join(f"{code_span(r)}: {n}" for r, n in sorted(by_rule.items()))
        lines += [
            "",
            f"{len(gate.not_inline)} finding(s) could not be posted inline (at most "
            f"{gate.budget} new comments per push, a line outside the diff, or a comment "
            f"GitHub refused); they are in the annotations: {grouped}.",
        ]
    waived = [f for f in gate.findings if f.suppressed == "waived"]
    if waived:
        lines += [
            "",
            "**Waived**",
            "",
            "| location | rule | by | reason | at |",
            "|---|---|---|---|---|",
        ]
        for f in waived[:MAX_ROWS]:
            w = gate.waivers.get(f.fingerprint)
            if w is None:
                continue
            reason = render_inline(w.reason).replace("|", "\\|")[:200]
            lines.append(
                f"| {code_span(f'{f.path}:{f.line}')} | {code_span(f.rule)} | @{w.user} "
                f"| {reason} | {w.head_sha[:7]} |"
            )
    if gate.problems:
        lines += ["", "**Skipped or not fully analysed:**"]
        lines += [f"- {code_span(p.path)}: {p.message}" for p in gate.problems[:50]]
        if len(gate.problems) > 50:
            lines.append(f"- …and {len(gate.problems) - 50} more")
    summary = "\n".join(lines)
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 40] + "\n\n…(summary truncated)"
    return summary


def error_output(reason: str, head_sha: str) -> CheckRunOutput:
    """What a crashed review says: never neutral, always how to get a real answer."""
    return CheckRunOutput(
        title="panicscan could not finish this review",
        summary=(
            f"The review of {head_sha[:7]} failed: {render_inline(reason)[:1000]}.\n\n"
            "Nothing was decided about this code, so the check does not pass. Press "
            "**Re-run panicscan** above, comment `/panicscan rescan`, or push again."
        ),
    )
