"""Waivers (`/panicscan ignore <reason>`): who may give them and what they change."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.model import Finding

PERMISSION_ORDER = ("none", "read", "triage", "write", "maintain", "admin")


@dataclass(frozen=True)
class Waiver:
    """The audit trail of one waiver: which finding, who, when, why, at which head."""

    fingerprint: str
    rule: str
    path: str
    user: str
    reason: str
    head_sha: str
    created_at: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    why: str


def permission_rank(permission: str) -> int:
    try:
        return PERMISSION_ORDER.index(permission)
    except ValueError:
        return 0  # anything GitHub might add later counts as no permission


def may_waive(
    *,
    user: str,
    user_type: str,
    permission: str,
    min_permission: str,
    pr_author: str,
    author_may_waive: bool,
) -> Decision:
    if user_type == "Bot" or user.endswith("[bot]"):
        return Decision(False, "bots cannot waive findings")
    if permission_rank(permission) < permission_rank(min_permission):
        return Decision(
            False,
            f"waiving needs `{min_permission}` permission on this repository; "
            f"@{user} has `{permission}`",
        )
    if user == pr_author and not author_may_waive:
        return Decision(False, "this repository does not let a PR's author waive its findings")
    return Decision(True, "ok")


def apply_waivers(findings: Sequence[Finding], waivers: Mapping[str, Waiver]) -> list[Finding]:
    """Waived findings stay in the output, marked, so the audit trail shows them."""
    return [
        dataclasses.replace(f, suppressed="waived")
        if f.suppressed is None and f.fingerprint in waivers
        else f
        for f in findings
    ]


def match_target(target: str, findings: Sequence[Finding]) -> list[Finding]:
    """Conversation `ignore <target>`: a fingerprint prefix (6+ hex) or a rule id."""
    by_rule = [f for f in findings if f.rule == target]
    if by_rule:
        return by_rule
    return [f for f in findings if len(target) >= 6 and f.fingerprint.startswith(target)]
