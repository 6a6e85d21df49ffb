"""Plain data shared by every layer: changed files, rules, findings, scan results.

Everything here is frozen and free of I/O so that the core stays pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "notice": 1}[self.value]


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    RENAMED = "renamed"
    DELETED = "deleted"


@dataclass(frozen=True)
class FileChange:
    """What one diff (or one PR-files entry) says about one file, head side.

    `added_lines` are the head-side line numbers of `+` lines; `commentable_lines`
    are every head-side line inside a hunk (added or context), the lines GitHub
    accepts an inline comment on. `hunk_text` is the head-side text of each hunk
    as (first head line, text) pairs, used when the head file is unavailable.
    """

    path: str
    old_path: str | None
    status: FileStatus
    added_lines: frozenset[int]
    commentable_lines: frozenset[int]
    is_binary: bool = False
    hunk_text: tuple[tuple[int, str], ...] = ()

    @property
    def is_rust(self) -> bool:
        return self.path.endswith(".rs")


@dataclass(frozen=True)
class RuleExamples:
    flag: tuple[str, ...]
    passes: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One rule as loaded from rules/<id>.yml."""

    id: str
    code: str
    severity: Severity
    category: str
    status: str
    clippy: tuple[str, ...]
    summary: str
    why: str
    message: str
    questions: tuple[str, ...]
    alternatives: tuple[str, ...]
    example: str
    use_instead: str
    options: str
    query: str
    examples: RuleExamples
    enabled_by_default: bool = True
    # Extra matcher settings interpreted by the engine (method names, macro names...).
    match: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fingerprint: str
    suppressed: str | None = None
    # "full" when the whole head file was parsed, "partial" when only hunk text was.
    context: str = "full"
    # The flagged expression as written, and the enclosing item path ("impl Parser / fn next").
    snippet: str = ""
    item_path: str = ""
    # The code the message names (`config.parse()` for `config.parse().unwrap()`).
    subject: str = ""
    # Why this finding's severity differs from its rule's (or what raised the question):
    # short phrases such as "`fn load` returns `Result`: `?` is available".
    risk_notes: tuple[str, ...] = ()
    # A replacement for the flagged line(s) offered as a GitHub ```suggestion``` ("" = none).
    suggestion: str = ""
    # The UPPER_CASE limit the panic depends on (`MAX_FEATURES`), "" when none is visible.
    limit: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True)
class Problem:
    """Something the scan could not do fully (skipped file, parse error): reported, not raised."""

    path: str
    message: str


@dataclass(frozen=True)
class ScanStats:
    files: int
    changed_lines: int
    parse_ms: float
    total_ms: float


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    stats: ScanStats


def rule_names(rules: Iterable[Rule]) -> dict[str, str]:
    """Each name a user may write for a rule (its id, or its code such as `PS001`) →
    the rule id."""
    names: dict[str, str] = {}
    for rule in rules:
        names[rule.id] = rule.id
        if rule.code:
            names[rule.code] = rule.id
    return names
