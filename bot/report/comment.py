"""The inline review comment for one finding, and the hidden marker that identifies it.

The comment is written to start a conversation about the failure mode: what was
found, how it panics, the questions to answer, and what to do instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.model import Finding, Rule
from bot.report.markdown import code_span, render_inline

MARKER_RE = re.compile(r"<!-- panicscan:v1 fp=([0-9a-f]{8,64}) rule=([a-z0-9-]{1,64}) -->")
MAX_BODY_CHARS = 65_536
MAX_QUESTIONS = 3
DOCS_PAGE = "docs/rules/{id}.md"
LIMIT_QUESTION = (
    "What happens when the input outgrows `{limit}`: who sees the failure, and how is the "
    "limit raised without a panic?"
)


@dataclass(frozen=True)
class Marker:
    fingerprint: str
    rule: str


def marker(finding: Finding) -> str:
    return f"<!-- panicscan:v1 fp={finding.fingerprint} rule={finding.rule} -->"


def parse_marker(body: str) -> Marker | None:
    """The marker in a comment body, if any. Callers must also check the author is our app."""
    match = MARKER_RE.search(body)
    return Marker(match.group(1), match.group(2)) if match else None


def _fill(text: str, finding: Finding) -> str:
    """Rule prose names the flagged code as `{expr}` (written inside backticks in the YAML)."""
    subject = (finding.subject or finding.snippet or "this expression").replace("`", "'")
    return " ".join(text.replace("{expr}", subject).split())


def render_comment(finding: Finding, rule: Rule) -> str:
    where = f"In {code_span(finding.item_path)}: " if finding.item_path else ""
    lines = [
        f"**panicscan** · {code_span(rule.id)} · {finding.severity.value}",
        "",
        f"{where}{render_inline(finding.message)}.",
    ]
    if finding.risk_notes:
        notes = "; ".join(render_inline(note) for note in finding.risk_notes)
        moved = finding.severity != rule.severity
        lead = f"Graded {finding.severity.value}" if moved else "Context"
        lines += ["", f"_{lead}: {notes}._"]
    if finding.context == "partial":
        lines += ["", "_Only the changed hunk could be read, so the context is partial._"]
    questions = [_fill(q, finding) for q in rule.questions]
    if finding.limit:
        # The outage's failure: a limit the input outgrew. Ask it first.
        limit = finding.limit.replace("`", "'")
        questions = [LIMIT_QUESTION.format(limit=limit), *questions][:MAX_QUESTIONS]
    if questions:
        lines += ["", "**Before this merges, can the author and reviewer answer:**"]
        lines += [f"- {q}" for q in questions]
    if finding.suggestion:
        lines += ["", "If the error converts into the function's error type, `?` propagates it:"]
        lines += [*_suggestion_block(finding.suggestion)]
    if rule.alternatives:
        lines += ["", "**Instead, consider:**"]
        lines += [f"- {_fill(a, finding)}" for a in rule.alternatives]
    lines += [
        "",
        "<details><summary>Why this matters</summary>",
        "",
        rule.why.strip(),
        "",
        f"Rule page: `{DOCS_PAGE.format(id=rule.id)}` in panicscan · suppress with "
        f"`// panicscan:ignore[{rule.id}] reason`.",
        "",
        "</details>",
        "",
        marker(finding),
    ]
    body = "\n".join(lines)
    if len(body) > MAX_BODY_CHARS:
        # GitHub rejects bodies over 65,536 characters with a 422 for the whole review.
        keep = MAX_BODY_CHARS - len(marker(finding)) - 20
        body = body[:keep] + "\n…\n\n" + marker(finding)
    return body


def _suggestion_block(line: str) -> list[str]:
    """A GitHub suggestion replacing the commented line; the fence outgrows any backtick
    run in the code so the code cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return ["", f"{fence}suggestion", line, fence]
