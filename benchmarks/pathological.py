"""Scan time of pathological files against tree-sitter parse-only time of the same file.

    .venv/bin/python -m benchmarks.pathological [--scale N] [--cap N]

Inputs (generated): one fn with N `x.unwrap();` lines, one line holding N
`x.unwrap(); ` statements, and one fn with N `let aK = vK[0];` lines (literal indexes,
each checked for an array declaration), for N in 10,000 and 40,000 times scale. A
linear analysis keeps scan/parse roughly constant as N grows; a quadratic one
multiplies it by ~4.
"""

from __future__ import annotations

import argparse
import time

from bot.core.rust_syntax import parse
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules


def _inputs(count: int) -> dict[str, bytes]:
    return {
        f"{count} lines in one fn": ("fn f() {\n" + "    x.unwrap();\n" * count + "}\n").encode(),
        f"{count} on one line": ("fn f() { " + "x.unwrap(); " * count + "}\n").encode(),
        # Literal indexes into distinct names: each asks what the fn declares an array.
        f"{count} literal indexes in one fn": (
            "fn f() {\n" + "".join(f"    let a{k} = v{k}[0];\n" for k in range(count)) + "}\n"
        ).encode(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pathological")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--cap", type=int, default=ScanOptions().max_findings_per_file)
    args = parser.parse_args()
    rules = load_rules()
    options = ScanOptions(max_findings_per_file=args.cap)
    print(f"cap {args.cap}\n| input | KiB | findings | scan s | parse s | scan/parse |")
    print("|---|---|---|---|---|---|")
    for count in (10_000 * args.scale, 40_000 * args.scale):
        for name, source in _inputs(count).items():
            started = time.perf_counter()
            result = scan([ScanTarget("src/lib.rs", None)], {"src/lib.rs": source}, rules, options)
            scan_s = time.perf_counter() - started
            started = time.perf_counter()
            parse(source)
            parse_s = time.perf_counter() - started
            print(
                f"| {name} | {len(source) // 1024} | {len(result.findings)} | {scan_s:.2f} "
                f"| {parse_s:.2f} | {scan_s / parse_s:.1f} |"
            )


if __name__ == "__main__":
    main()
