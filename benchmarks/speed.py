"""Whole-crate scan time against tree-sitter parse-only time of the same files.

    .venv/bin/python -m benchmarks.speed [--runs N] [--profile] [--top N] CRATE_DIR ...

For each CRATE_DIR (a Cargo package, e.g. /tmp/crates/memchr/head or
/usr/share/cargo/registry/aho-corasick-0.7.19) it prints the .rs files, KiB, the
median scan ms, the median parse-only ms and their ratio. The scan is
`panicscan scan --all --include-tests` with `integer-division` enabled too, as
benchmarks/accuracy.py compares it: every such rule on every line. Parse-only is one
tree-sitter parse of each file. Both are measured alternately in the same run (after
one warm-up scan, which compiles the queries) as CPU time of this process, so other
load on the machine affects them alike and little. `--profile` adds a cProfile summary
of one scan of all the crates (the `--top` functions by own time, then by cumulative
time), so the hot spots are visible.

The issue's target: scan/parse <= 1.5 on every crate.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Mapping
from pathlib import Path

from bot.core.model import Finding
from bot.core.rust_syntax import parse
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules
from bot.scan_command import _rust_files

RUNS = 5
RULES = load_rules()


def read_sources(crate: Path) -> dict[str, bytes]:
    return {path: (crate / path).read_bytes() for path in sorted(_rust_files(crate))}


def scan_all(sources: Mapping[str, bytes], *, include_tests: bool = True) -> tuple[Finding, ...]:
    """Every finding (suppressed ones too) of a whole-crate scan."""
    options = ScanOptions(include_tests=include_tests, enable_rules=frozenset({"integer-division"}))
    targets = [ScanTarget(path, None) for path in sources]
    return scan(targets, dict(sources), RULES, options).findings


def timings(sources: Mapping[str, bytes], runs: int = RUNS) -> tuple[float, float]:
    """Median scan ms (include-tests mode) and median parse-only ms, same run (CPU)."""
    scans, parses = [], []
    scan_all(sources)  # warm up: query compilation is cached
    for _ in range(runs):
        started = time.process_time()
        scan_all(sources)
        scans.append((time.process_time() - started) * 1000)
        started = time.process_time()
        for source in sources.values():
            parse(source)
        parses.append((time.process_time() - started) * 1000)
    return statistics.median(scans), statistics.median(parses)


def profile(crates: Mapping[str, Mapping[str, bytes]], top: int) -> str:
    """cProfile of one scan of every crate, after a warm-up."""
    for sources in crates.values():
        scan_all(sources)
    profiler = cProfile.Profile()
    profiler.enable()
    for sources in crates.values():
        scan_all(sources)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed")
    parser.add_argument("crates", nargs="+", type=Path, help="Cargo package directories")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs per crate (median)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--top", type=int, default=30, help="functions in the profile")
    args = parser.parse_args(argv)
    crates = {_name(crate): read_sources(crate) for crate in args.crates}
    print(f"median of {args.runs}, same run")
    print("| crate | .rs files | KiB | scan ms | parse-only ms | scan/parse |")
    print("|---|---|---|---|---|---|")
    for name, sources in crates.items():
        scan_ms, parse_ms = timings(sources, args.runs)
        kib = sum(len(source) for source in sources.values()) // 1024
        print(
            f"| {name} | {len(sources)} | {kib} | {scan_ms:.0f} | {parse_ms:.0f} | "
            f"{scan_ms / parse_ms:.2f} |",
            flush=True,
        )
    if args.profile:
        print(profile(crates, args.top))
    return 0


def _name(crate: Path) -> str:
    """`memchr` for /tmp/crates/memchr/head, `indexmap-1.9.2` for a registry directory."""
    return crate.parent.name if crate.name == "head" else crate.name


if __name__ == "__main__":
    raise SystemExit(main())
