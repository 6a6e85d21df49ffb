"""Real pull requests through both paths: `panicscan scan` and the App on loopback.

    .venv/bin/python -m benchmarks.real_crates /tmp/crates/memchr /tmp/crates/serde_json ...

Each argument is a crate-pair output folder (../shared/tools/crate-pair CRATE OUT).
Per crate it prints: changed .rs files, added lines, findings per rule, scan time
(median of 5) next to tree-sitter parse-only time of the same files measured in the
same run (the ratio is what to compare across machines), and what the App posted:
inline comments, annotations and GitHub API calls.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from bot.core.diff import parse_unified_diff
from bot.core.rust_syntax import parse
from bot.core.scan import scan, targets_from_diff
from bot.rulefiles import load_rules
from bot.stack import LoopbackStack

RUNS = 5


def _scan_once(case: Path) -> tuple[dict[str, int], int, int, float, float]:
    rules = load_rules()
    started = time.perf_counter()
    parsed = parse_unified_diff((case / "pr.diff").read_bytes())
    targets, problems = targets_from_diff(parsed.files)
    sources = {t.path: (case / "head" / t.path).read_bytes() for t in targets}
    result = scan(targets, sources, rules, problems=problems)
    scan_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for source in sources.values():
        parse(source)
    parse_ms = (time.perf_counter() - started) * 1000
    rules_hit = Counter(f.rule for f in result.findings if not f.suppressed)
    return dict(rules_hit), len(targets), result.stats.changed_lines, scan_ms, parse_ms


async def _app(case: Path) -> tuple[int, int, int, str]:
    async with LoopbackStack() as stack:
        pr = stack.double.open_pull_request_from_diff(
            "acme", case.name, diff=(case / "pr.diff").read_text(), head_root=case / "head"
        )
        await stack.open_pull_request(pr)
        await stack.settle(timeout=300)
        [run] = stack.double.check_runs
        return (
            len(stack.double.review_comments),
            len(run.annotations),
            len(stack.double.requests),
            str(run.conclusion),
        )


def main(cases: list[str]) -> int:
    rows = []
    for name in cases:
        case = Path(name)
        runs = [_scan_once(case) for _ in range(RUNS)]
        rules_hit, files, changed, _, _ = runs[0]
        scan_ms = statistics.median(r[3] for r in runs)
        parse_ms = statistics.median(r[4] for r in runs)
        comments, annotations, calls, conclusion = asyncio.run(_app(case))
        rows.append(
            {
                "crate": case.name,
                "rs_files": files,
                "added_lines": changed,
                "findings": rules_hit,
                "scan_ms": round(scan_ms, 1),
                "parse_only_ms": round(parse_ms, 1),
                "scan_over_parse": round(scan_ms / parse_ms, 2) if parse_ms else None,
                "comments": comments,
                "annotations": annotations,
                "api_calls": calls,
                "conclusion": conclusion,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    print()
    print(
        "| crate | .rs files | added lines | findings | scan ms | parse-only ms | ratio "
        "| comments | annotations | API calls | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        hits = ", ".join(f"{k} {v}" for k, v in sorted(r["findings"].items())) or "none"
        print(
            f"| {r['crate']} | {r['rs_files']} | {r['added_lines']} | {hits} | {r['scan_ms']} "
            f"| {r['parse_only_ms']} | {r['scan_over_parse']} | {r['comments']} "
            f"| {r['annotations']} | {r['api_calls']} | {r['conclusion']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
