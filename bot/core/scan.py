"""The analysis core's front door: changed files + head sources in, findings out.

Pure: the caller supplies the head sources (from disk, git or GitHub blobs);
nothing here reads files or talks to the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.clippy_config import DEFAULT_CLIPPY_CONFIG, ClippyConfig
from bot.core.model import (
    FileChange,
    FileStatus,
    Finding,
    Problem,
    Rule,
    ScanResult,
    ScanStats,
    rule_names,
)
from bot.core.rust import DEFAULT_MAX_FINDINGS_PER_FILE, analyse_file, cap_problem
from bot.core.testmods import ParsedFile, test_module_paths

# Real Rust sources are far smaller; past this a file is generated data, and analysing
# it (e.g. one 7 MB line of unwraps, ~1 min) would hold a worker too long.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_CHANGED_LINES = 20_000


@dataclass(frozen=True)
class ScanOptions:
    include_tests: bool = False
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # Changed lines analysed per scan (GitHub's own diff view stops at 20,000);
    # files past the budget are skipped and named in the problems.
    max_changed_lines: int = DEFAULT_MAX_CHANGED_LINES
    # Findings built per file; past it the rest are counted and named in a Problem, so
    # one generated or minified file cannot stall a worker for minutes.
    max_findings_per_file: int = DEFAULT_MAX_FINDINGS_PER_FILE
    # Rules that are off by default (`enabled_by_default: false`) run only when named here.
    enable_rules: frozenset[str] = frozenset()
    # Rules named here never run, whatever their default.
    disable_rules: frozenset[str] = frozenset()
    # Files that are test code because a `#[cfg(test)] mod x;` elsewhere points at them;
    # scan() adds those it can derive from the sources it is given.
    test_module_paths: frozenset[str] = frozenset()
    # The repository's clippy.toml settings (the CLI reads the file; the core stays pure).
    clippy: ClippyConfig = DEFAULT_CLIPPY_CONFIG


def active_rules(rules: Sequence[Rule], options: ScanOptions) -> tuple[Rule, ...]:
    """The rules a scan runs: the default ones plus `enable_rules`, minus `disable_rules`."""
    return tuple(
        rule
        for rule in rules
        if (rule.enabled_by_default or rule.id in options.enable_rules)
        and rule.id not in options.disable_rules
    )


def unknown_rule_ids(rules: Sequence[Rule], options: ScanOptions) -> list[Problem]:
    """A Problem per enable/disable id that names no rule (a typo must not pass silently)."""
    known = {rule.id for rule in rules}
    named = sorted((options.enable_rules | options.disable_rules) - known)
    return [Problem("settings", f"unknown rule id in settings: {rule_id}") for rule_id in named]


DEFAULT_OPTIONS = ScanOptions()


@dataclass(frozen=True)
class ScanTarget:
    """One Rust file to analyse: `changed_lines=None` means every line counts."""

    path: str
    changed_lines: frozenset[int] | None
    hunks: tuple[tuple[int, str], ...] = ()


def targets_from_diff(changes: Sequence[FileChange]) -> tuple[list[ScanTarget], list[Problem]]:
    """The Rust files of a diff that have added lines; deleted and binary files are skipped."""
    targets: list[ScanTarget] = []
    problems: list[Problem] = []
    for change in changes:
        if not change.is_rust or change.status is FileStatus.DELETED:
            continue
        if change.is_binary:
            problems.append(Problem(change.path, "binary file skipped"))
            continue
        if change.added_lines:
            targets.append(ScanTarget(change.path, change.added_lines, change.hunk_text))
    return targets, problems


def scan(
    targets: Sequence[ScanTarget],
    sources: Mapping[str, bytes | None],
    rules: Sequence[Rule],
    options: ScanOptions = DEFAULT_OPTIONS,
    *,
    problems: Sequence[Problem] = (),
    timer: Callable[[], float] = time.perf_counter,
) -> ScanResult:
    started = timer()
    findings: list[Finding] = []
    found_problems = [*problems, *unknown_rule_ids(rules, options)]
    known_ids = rule_names(rules)
    rules = active_rules(rules, options)
    test_files = options.test_module_paths
    parsed: dict[str, ParsedFile] = {}  # trees the test-module check parsed, reused below
    # Needed for test code that is not reported, and by the rules that never look at
    # test code (assert-in-production), whatever the scan includes.
    if not options.include_tests or any(rule.match.get("skip_in_tests") for rule in rules):
        test_files |= test_module_paths(sources, parsed)
    parse_ms = 0.0
    changed = 0
    for target in targets:
        source = sources.get(target.path)
        if source is not None and len(source) > options.max_file_bytes:
            found_problems.append(
                Problem(target.path, f"file larger than {options.max_file_bytes} bytes skipped")
            )
            continue
        lines = (
            len(target.changed_lines) if target.changed_lines is not None else _line_count(source)
        )
        # `--all` scans (every line counts) are the user's own choice, not a PR: no budget.
        if target.changed_lines is not None and changed + lines > options.max_changed_lines:
            found_problems.append(
                Problem(target.path, f"over the {options.max_changed_lines}-line budget; skipped")
            )
            continue
        changed += lines
        if source is None:
            result_findings, result_problems, ms = _scan_hunks(target, rules, options, known_ids)
        else:
            analysis = analyse_file(
                target.path,
                source,
                target.changed_lines,
                rules,
                include_tests=options.include_tests,
                known_rule_ids=known_ids,
                clippy=options.clippy,
                test_file=target.path in test_files,
                max_findings=options.max_findings_per_file,
                parsed=parsed.pop(target.path, None),
            )
            result_findings, result_problems, ms = (
                list(analysis.findings),
                list(analysis.problems),
                analysis.parse_ms,
            )
        findings += result_findings
        found_problems += result_problems
        parse_ms += ms
    findings.sort(key=lambda f: f.sort_key)
    return ScanResult(
        findings=tuple(findings),
        problems=tuple(found_problems),
        stats=ScanStats(
            files=len(targets),
            changed_lines=changed,
            parse_ms=parse_ms,
            total_ms=(timer() - started) * 1000.0,
        ),
    )


def _scan_hunks(
    target: ScanTarget, rules: Sequence[Rule], options: ScanOptions, known_ids: Mapping[str, str]
) -> tuple[list[Finding], list[Problem], float]:
    """Without the head file, parse each hunk's head-side text on its own (partial context)."""
    findings: list[Finding] = []
    problems = [Problem(target.path, "head file unavailable; analysed the hunk text alone")]
    parse_ms = 0.0
    left_out = 0
    for first_line, text in target.hunks:
        budget = max(0, options.max_findings_per_file - len(findings))
        analysis = analyse_file(
            target.path,
            text.encode("utf-8", "surrogateescape"),
            target.changed_lines,
            rules,
            include_tests=options.include_tests,
            context="partial",
            line_offset=first_line - 1,
            known_rule_ids=known_ids,
            clippy=options.clippy,
            max_findings=budget,
        )
        findings += analysis.findings
        parse_ms += analysis.parse_ms
        left_out += analysis.left_out
    if left_out:  # one Problem for the file, not one per hunk
        problems.append(cap_problem(target.path, options.max_findings_per_file, left_out))
    return findings, problems, parse_ms


def _line_count(source: bytes | None) -> int:
    """Lines as an editor counts them: a final newline does not start another line."""
    if not source:
        return 0
    return source.count(b"\n") + (0 if source.endswith(b"\n") else 1)
