"""`--format text`: one line per finding, compiler style, then a one-line tally."""

from __future__ import annotations

from collections import Counter

from bot.core.model import ScanResult


def render_text(result: ScanResult) -> str:
    lines: list[str] = []
    for f in result.findings:
        tag = f" (suppressed: {f.suppressed})" if f.suppressed else ""
        partial = " [partial context]" if f.context == "partial" else ""
        lines.append(
            f"{f.path}:{f.line}:{f.column}: {f.severity.value}[{f.rule}] {f.message}{tag}{partial}"
        )
    for p in result.problems:
        lines.append(f"{p.path}: note: {p.message}")
    active = [f for f in result.findings if not f.suppressed]
    by_rule = Counter(f.rule for f in active)
    tally = ", ".join(f"{n} {rule}" for rule, n in sorted(by_rule.items()))
    s = result.stats
    lines.append(
        f"{len(active)} finding(s){': ' + tally if tally else ''} "
        f"in {s.files} file(s), {s.changed_lines} changed line(s), {s.total_ms:.1f} ms"
    )
    return "\n".join(lines) + "\n"
