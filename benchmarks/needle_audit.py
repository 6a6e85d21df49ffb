"""Do the scan's shortcuts lose findings? Compare against the engine without them.

    .venv/bin/python -m benchmarks.needle_audit [CRATES_DIR]

A whole-file scan queries only around the rules' needles, skips macro contents without
one, runs `file_needles` rules only where their text occurs (`match.needles`,
`match.file_needles`, bot/core/needles.py). A needle that misses a match loses that
finding silently, so this runs every .rs file under CRATES_DIR (default: Debian's
/usr/share/cargo/registry, 70 crates) through both engines, with every rule on
(the off-by-default ones too), in both modes (with and without test code), and prints
each file whose findings differ: what the shortcut lost and what it added. It does so
for whole files and, as a pull request sees them, for changed lines only (blocks of
seven lines, every third block, a different phase per file). Exit status 1 when any
differs.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.core.model import Finding, Rule
from bot.core.rust import analyse_file
from bot.core.scan import DEFAULT_MAX_FILE_BYTES
from bot.rulefiles import load_rules
from bot.scan_command import _rust_files

REGISTRY = Path("/usr/share/cargo/registry")
SHORTCUT_KEYS = ("needles", "file_needles")


def without_shortcuts(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """The same rules with no needles: every node queried, every macro parsed."""
    return tuple(
        dataclasses.replace(
            rule, match={k: v for k, v in rule.match.items() if k not in SHORTCUT_KEYS}
        )
        for rule in rules
    )


def _key(finding: Finding) -> tuple[object, ...]:
    return (
        finding.rule,
        finding.line,
        finding.column,
        finding.end_line,
        finding.end_column,
        finding.suppressed,
        finding.severity,
        finding.message,
        finding.fingerprint,
    )


def _modes(source: bytes, phase: int) -> list[tuple[bool, frozenset[int] | None]]:
    """(include tests, changed lines) pairs to compare: whole file in both modes, and
    every third block of seven lines (from a per-file phase) as a pull request."""
    lines = source.count(b"\n") + 1
    changed = frozenset(n for n in range(1, lines + 1) if ((n - 1) // 7 + phase) % 3 == 0)
    return [(True, None), (False, None), (True, changed), (False, changed)]


def audit(root: Path) -> int:
    rules = load_rules()
    plain = without_shortcuts(rules)
    files = differing = 0
    started = time.monotonic()
    for crate in sorted(path for path in root.iterdir() if path.is_dir()):
        for relative in sorted(_rust_files(crate)):
            source = (crate / relative).read_bytes()
            if len(source) > DEFAULT_MAX_FILE_BYTES:
                continue
            files += 1
            for include_tests, changed in _modes(source, files):
                fast = analyse_file(relative, source, changed, rules, include_tests=include_tests)
                slow = analyse_file(relative, source, changed, plain, include_tests=include_tests)
                got, want = set(map(_key, fast.findings)), set(map(_key, slow.findings))
                if got != want:
                    differing += 1
                    mode = "all" if include_tests else "default"
                    lines = "whole file" if changed is None else f"{len(changed)} changed lines"
                    print(f"{crate.name}/{relative} ({mode}, {lines}):")
                    for lost in sorted(want - got, key=str):
                        print(f"  lost  {lost[0]} line {lost[1]}: {lost[7]}")
                    for extra in sorted(got - want, key=str):
                        print(f"  extra {extra[0]} line {extra[1]}: {extra[7]}")
    seconds = time.monotonic() - started
    print(f"{files} files, {differing} file/mode runs differ ({seconds:.0f} s)")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.needle_audit")
    parser.add_argument("crates", nargs="?", type=Path, default=REGISTRY)
    args = parser.parse_args(argv)
    if not args.crates.is_dir():
        print(f"{args.crates}: not a directory of crates", file=sys.stderr)
        return 2
    return audit(args.crates)


if __name__ == "__main__":
    raise SystemExit(main())
