"""`--format json`: the contract other tools parse (DESIGN.md, "Contracts")."""

from __future__ import annotations

import json
from typing import Any

from bot.core.model import Finding, ScanResult

FORMAT_VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "context": finding.context,
    }


def render_json(result: ScanResult) -> str:
    document = {
        "version": FORMAT_VERSION,
        "findings": [finding_to_dict(f) for f in result.findings],
        "problems": [{"path": p.path, "message": p.message} for p in result.problems],
        "stats": {
            "files": result.stats.files,
            "changed_lines": result.stats.changed_lines,
            "parse_ms": round(result.stats.parse_ms, 1),
            "total_ms": round(result.stats.total_ms, 1),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
