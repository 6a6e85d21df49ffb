"""`--format sarif`: SARIF 2.1.0 in the subset GitHub code scanning accepts.

One run, one driver listing every loaded rule (so code scanning can show a rule's help
even for rules that found nothing), one result per finding. Suppressed findings stay in
the log with a `suppressions` entry, so code scanning shows them as dismissed in source
instead of losing them. Columns are Unicode code points (see `bot.core.rust_syntax`),
declared with `columnKind`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from bot import __version__
from bot.core.model import Finding, Rule, ScanResult, Severity
from bot.report.ruledoc import render_rule_doc

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# Key under which our own fingerprint travels; GitHub keeps unknown keys and matches on them.
FINGERPRINT_KEY = "panicscan/v1"
# GitHub code scanning rejects a run with more results than this (hard limit).
MAX_RESULTS_PER_RUN = 25_000
# GitHub rejects more than 20 tags per rule and displays only 10: stay within what shows.
MAX_TAGS_PER_RULE = 10

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}
# In-source suppressions are written in the code itself; everything else is policy or a
# waiver kept outside the file.
_IN_SOURCE = frozenset({"allow-attribute", "inline", "test-code"})
_JUSTIFICATIONS = {
    "allow-attribute": "an `#[allow(clippy::...)]` or `#[expect(clippy::...)]` attribute covers it",
    "inline": "a `panicscan:ignore` comment with a reason covers it",
    "test-code": "test code is not scanned unless `--include-tests` is given",
    "waived": "waived in the pull request with `/panicscan ignore <reason>`",
}


def render_sarif(result: ScanResult, rules: Sequence[Rule]) -> str:
    return json.dumps(sarif_log(result, rules), indent=2, ensure_ascii=False) + "\n"


def sarif_log(result: ScanResult, rules: Sequence[Rule]) -> dict[str, Any]:
    """The SARIF document as plain JSON data."""
    index = {rule.id: i for i, rule in enumerate(rules)}
    findings = result.findings[:MAX_RESULTS_PER_RUN]
    notifications = [_notification(f"{p.path}: {p.message}", "warning") for p in result.problems]
    if len(result.findings) > len(findings):
        dropped = len(result.findings) - len(findings)
        notifications.append(
            _notification(
                f"{dropped} finding(s) left out: code scanning accepts at most "
                f"{MAX_RESULTS_PER_RUN} results per run",
                "error",
            )
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "panicscan",
                "semanticVersion": __version__,
                "version": __version__,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
        "results": [_result(f, index) for f in findings],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _descriptor(rule: Rule) -> dict[str, Any]:
    tags = ["panicscan", rule.code, rule.category, *(f"clippy::{c}" for c in rule.clippy)]
    return {
        "id": rule.id,
        "name": _pascal(rule.id),
        "shortDescription": {"text": _plain(rule.summary)},
        "fullDescription": {"text": " ".join(rule.why.split())},
        "help": {"text": _plain(rule.summary), "markdown": render_rule_doc(rule)},
        "defaultConfiguration": {
            "level": _LEVELS[rule.severity],
            "enabled": rule.enabled_by_default,
        },
        "properties": {
            "tags": tags[:MAX_TAGS_PER_RULE],
            "precision": "high",
            "problem.severity": _problem_severity(rule.severity),
            "code": rule.code,
            "status": rule.status,
        },
    }


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.end_line,
                        "endColumn": max(finding.end_column, 1),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"context": finding.context},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.item_path:
        result["properties"]["item"] = finding.item_path
    if finding.suppressed:
        result["suppressions"] = [_suppression(finding.suppressed)]
    return result


def _suppression(reason: str) -> dict[str, str]:
    return {
        "kind": "inSource" if reason in _IN_SOURCE else "external",
        "status": "accepted",
        "justification": _JUSTIFICATIONS.get(reason, f"suppressed: {reason}"),
    }


def _notification(text: str, level: str) -> dict[str, Any]:
    return {"message": {"text": text}, "level": level}


def _problem_severity(severity: Severity) -> str:
    # GitHub's display severity: "recommendation" is its name for a note.
    return {"error": "error", "warning": "warning", "notice": "recommendation"}[severity.value]


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _plain(text: str) -> str:
    return " ".join(text.split())


def _uri(path: str) -> str:
    """A relative URI reference for a repository path: percent-encode what a URI cannot hold."""
    # Keep "/" as the separator; everything else outside the unreserved set is escaped.
    return quote(path, safe="/")
