"""Whole-crate scan time against tree-sitter parse-only time of the same files.

    .venv/bin/python -m benchmarks.speed [--runs N] [--profile] [--top N] CRATE_DIR ...

For each CRATE_DIR (a Cargo package, e.g. /tmp/crates/memchr/head or
/usr/share/cargo/registry/aho-corasick-0.7.19) it prints the .rs files, KiB, the
median parse-only ms, and the median scan ms with its ratio to parse-only, twice:
`panicscan scan --all --include-tests` as shipped (the default rules), and as
benchmarks/accuracy.py runs it (plus the off-by-default `integer-division`, whose `/`
and `%` needles add work). A last row sums every crate. Parse-only is one tree-sitter
parse of each file. All three are measured in turn in the same run (after one warm-up
scan, which compiles the queries) as CPU time of this process, so other load on the
machine affects them alike and little. `--profile` adds a cProfile summary of one scan
of all the crates (the `--top` functions by own time, then by cumulative time), so the
hot spots are visible. `--floor` adds the engine's floor: the shipped scan with every
match dropped at its first filter (parse, needles, queries, macro contents, no per-match
work), which shows how much of the ratio this design spends before any finding.

The issue's target: scan/parse <= 1.5.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.core import rust
from bot.core.model import Finding
from bot.core.rust_syntax import parse
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules
from bot.scan_command import _rust_files

RUNS = 5
RULES = load_rules()


def read_sources(crate: Path) -> dict[str, bytes]:
    return {path: (crate / path).read_bytes() for path in sorted(_rust_files(crate))}


ACCURACY_RULES = frozenset({"integer-division"})


def scan_all(
    sources: Mapping[str, bytes],
    *,
    include_tests: bool = True,
    enable: frozenset[str] = ACCURACY_RULES,
) -> tuple[Finding, ...]:
    """Every finding (suppressed ones too) of a whole-crate scan; `enable` names the
    off-by-default rules that run too (benchmarks/accuracy.py's set by default)."""
    options = ScanOptions(include_tests=include_tests, enable_rules=enable)
    targets = [ScanTarget(path, None) for path in sources]
    return scan(targets, dict(sources), RULES, options).findings


@dataclass(frozen=True)
class Timing:
    """Median CPU ms of one crate: parse-only, the shipped scan, the accuracy scan, and
    (with `floor`) the shipped scan keeping no match."""

    parse: float
    default: float
    accuracy: float
    floor: float | None = None


@contextmanager
def no_match_kept() -> Iterator[None]:
    """The scan engine's floor: every file parsed, needles found, queries run, macro
    contents parsed and queried, but every match dropped at its first filter, so no
    per-match work (filters, positions, messages, fingerprints, grading) is done."""
    real = rust._accept
    rust._accept = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        rust._accept = real


def timings(sources: Mapping[str, bytes], runs: int = RUNS, *, floor: bool = False) -> Timing:
    """Medians of `runs` rounds, each measuring all of them in turn (CPU time)."""
    parses: list[float] = []
    defaults: list[float] = []
    accuracies: list[float] = []
    floors: list[float] = []
    scan_all(sources)  # warm up: query compilation is cached
    scan_all(sources, enable=frozenset())
    for _ in range(runs):
        if floor:
            with no_match_kept():
                started = time.process_time()
                scan_all(sources, enable=frozenset())
                floors.append((time.process_time() - started) * 1000)
        started = time.process_time()
        for source in sources.values():
            parse(source)
        parses.append((time.process_time() - started) * 1000)
        started = time.process_time()
        scan_all(sources, enable=frozenset())
        defaults.append((time.process_time() - started) * 1000)
        started = time.process_time()
        scan_all(sources)
        accuracies.append((time.process_time() - started) * 1000)
    return Timing(
        statistics.median(parses),
        statistics.median(defaults),
        statistics.median(accuracies),
        statistics.median(floors) if floors else None,
    )


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
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the engine's floor: the shipped scan keeping no match",
    )
    args = parser.parse_args(argv)
    crates = {_name(crate): read_sources(crate) for crate in args.crates}
    print(f"median of {args.runs}, same run; CPU ms")
    floor_head = " floor (no match kept) | ratio |" if args.floor else ""
    print(
        "| crate | .rs files | KiB | parse-only | scan (default rules) | ratio "
        f"| scan (+ integer-division) | ratio |{floor_head}"
    )
    print("|---|---|---|---|---|---|---|---|" + ("---|---|" if args.floor else ""))
    totals = [0, 0, 0.0, 0.0, 0.0, 0.0]
    for name, sources in crates.items():
        timing = timings(sources, args.runs, floor=args.floor)
        kib = sum(len(source) for source in sources.values()) // 1024
        print(_row(name, len(sources), kib, timing), flush=True)
        for index, value in enumerate(
            (len(sources), kib, timing.parse, timing.default, timing.accuracy, timing.floor or 0)
        ):
            totals[index] += value
    files, kib, parse_ms, default_ms, accuracy_ms, floor_ms = totals
    total = Timing(parse_ms, default_ms, accuracy_ms, floor_ms if args.floor else None)
    print(_row("**all**", int(files), int(kib), total))
    if args.profile:
        print(profile(crates, args.top))
    return 0


def _row(name: str, files: int, kib: int, timing: Timing) -> str:
    row = (
        f"| {name} | {files} | {kib} | {timing.parse:.0f} "
        f"| {timing.default:.0f} | {timing.default / timing.parse:.2f} "
        f"| {timing.accuracy:.0f} | {timing.accuracy / timing.parse:.2f} |"
    )
    if timing.floor is not None:
        row += f" {timing.floor:.0f} | {timing.floor / timing.parse:.2f} |"
    return row


def _name(crate: Path) -> str:
    """`memchr` for /tmp/crates/memchr/head, `indexmap-1.9.2` for a registry directory."""
    return crate.parent.name if crate.name == "head" else crate.name


if __name__ == "__main__":
    raise SystemExit(main())
