"""Accuracy against Clippy, per rule family and per crate, plus speed and memory.

    .venv/bin/python -m benchmarks.accuracy [--oracle-dir DIR] [--write docs/accuracy.md] \
        NAME=CRATE_DIR ...

Each CRATE_DIR is a Cargo package (e.g. /tmp/crates/memchr/head from crate-pair, or
/usr/share/cargo/registry/aho-corasick-0.7.19). Clippy's findings come from
`../shared/tools/clippy-oracle CRATE_DIR` (or DIR/NAME.json when --oracle-dir holds a
saved run). Two comparisons per crate:

- all: `panicscan scan --all --include-tests` against every Clippy finding;
- default: `panicscan scan --all` (test code suppressed) against Clippy's findings in
  lib/bin code (`in_lib_bins`).

A panicscan finding and a Clippy finding match when they are in the same file, in the
same family (unwrap/expect, panic-family, indexing/slicing, exit, integer division)
and their line ranges overlap; matching is one-to-one. Every disagreement is classified:

- cfg'd-out code: ours, in a file rustc never read or under a non-test `#[cfg(..)]`;
- macro: Clippy's span comes from a macro expansion, or ours sits in a macro_rules! body;
- type the tool can't see: ours on a user-defined method of the same name (`self.expect(..)`),
  or Clippy's on code with no syntactic panic marker on the line;
- clippy's gap: ours where Clippy, by design, does not lint (`map["k"]` on a HashMap, ...);
- our bug?: the rest, to be read and turned into a test when it is ours.

Speed: whole-crate scan time against tree-sitter parse-only time of the same files
(benchmarks.speed.timings: CPU time, median of 3, same run, default rules), and against Clippy's own
elapsed time from the oracle.
Memory: peak RSS of a child process that scans one crate.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node

from benchmarks.cfg_eval import CfgEvaluator, default_features
from benchmarks.speed import timings
from bot.core.model import Finding
from bot.core.rust_syntax import parse
from bot.core.scan import ScanOptions, ScanTarget, scan
from bot.rulefiles import load_rules
from bot.scan_command import _rust_files

ORACLE = Path(__file__).resolve().parents[2] / "shared" / "tools" / "clippy-oracle"
RUNS = 3

LINT_FAMILY = {
    "unwrap_used": "unwrap/expect",
    "expect_used": "unwrap/expect",
    "panic": "panic-family",
    "unreachable": "panic-family",
    "todo": "panic-family",
    "unimplemented": "panic-family",
    "indexing_slicing": "indexing/slicing",
    "string_slice": "indexing/slicing",
    "exit": "exit",
    "integer_division": "integer-division",
}
RULE_FAMILY = {
    "unwrap-used": "unwrap/expect",
    "expect-used": "unwrap/expect",
    "unwrap-on-lookup": "unwrap/expect",
    "panic-macro": "panic-family",
    "unfinished-code": "panic-family",
    "index-or-slice": "indexing/slicing",
    "string-slice": "indexing/slicing",
    "map-key-index": "indexing/slicing",
    "process-exit": "exit",
    "integer-division": "integer-division",
}
FAMILIES = ("unwrap/expect", "panic-family", "indexing/slicing", "exit", "integer-division")
_PANIC_MARKS = (".unwrap", ".expect", "panic!", "unreachable!", "todo!", "unimplemented!", "[")


@dataclass(frozen=True)
class Spot:
    path: str
    line: int
    end_line: int
    family: str
    what: str  # rule id or lint name
    in_macro: bool = False


@dataclass
class Tally:
    ours: int = 0
    clippy: int = 0
    matched: int = 0
    cfg_out: int = 0  # ours-only spots in cfg'd-out code (left out of precision)
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.ours += other.ours
        self.clippy += other.clippy
        self.matched += other.matched
        self.cfg_out += other.cfg_out
        self.reasons.update(other.reasons)

    @property
    def recall(self) -> float | None:
        return self.matched / self.clippy if self.clippy else None

    @property
    def precision(self) -> float | None:
        counted = self.ours - self.cfg_out
        return self.matched / counted if counted > 0 else None


def oracle_findings(name: str, crate: Path, saved: Path | None) -> dict[str, object]:
    if saved is not None and (saved / f"{name}.json").is_file():
        data: dict[str, object] = json.loads((saved / f"{name}.json").read_text())
        return data
    proc = subprocess.run(
        [sys.executable, str(ORACLE), str(crate), "--compact"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"clippy-oracle failed on {crate}: {proc.stderr.strip()[-400:]}")
    data = json.loads(proc.stdout)
    if saved is not None:
        saved.mkdir(parents=True, exist_ok=True)
        (saved / f"{name}.json").write_text(proc.stdout)
    return data


def read_sources(crate: Path) -> dict[str, bytes]:
    return {path: (crate / path).read_bytes() for path in sorted(_rust_files(crate))}


RULES = load_rules()


def panicscan_findings(sources: Mapping[str, bytes], include_tests: bool) -> list[Finding]:
    rules = RULES
    options = ScanOptions(include_tests=include_tests, enable_rules=frozenset({"integer-division"}))
    targets = [ScanTarget(path, None) for path in sources]
    result = scan(targets, dict(sources), rules, options)
    return [f for f in result.findings if not f.suppressed and _family(f) is not None]


def panicscan_test_code(sources: Mapping[str, bytes]) -> list[Finding]:
    """The default mode's findings marked as test code."""
    targets = [ScanTarget(path, None) for path in sources]
    options = ScanOptions(enable_rules=frozenset({"integer-division"}))
    result = scan(targets, dict(sources), RULES, options)
    return [f for f in result.findings if f.suppressed == "test-code"]


def _peak_rss_child(crate: Path, queue: multiprocessing.Queue[int]) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    panicscan_findings(read_sources(crate), include_tests=True)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(max(after, before))


def peak_rss_kib(crate: Path) -> int:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited heap
    queue: multiprocessing.Queue[int] = context.Queue()
    child = context.Process(target=_peak_rss_child, args=(crate, queue))
    child.start()
    value = queue.get(timeout=600)
    child.join()
    return value


def _family(finding: Finding) -> str | None:
    if finding.rule == "panic-in-drop":
        # One rule for every panic inside Drop: the flagged call says which lint it is.
        if ".unwrap" in finding.snippet or ".expect" in finding.snippet:
            return "unwrap/expect"
        return None if finding.snippet.startswith("assert") else "panic-family"
    return RULE_FAMILY.get(finding.rule)


def our_spots(findings: Iterable[Finding]) -> list[Spot]:
    spots = []
    for f in findings:
        family = _family(f)
        if family is not None:
            in_rules = "macro_rules!" in f.item_path
            spots.append(Spot(f.path, f.line, f.end_line, family, f.rule, in_rules))
    return spots


def clippy_spots(data: Mapping[str, object], lib_bins_only: bool) -> list[Spot]:
    spots = []
    raw = data.get("findings", [])
    assert isinstance(raw, list)
    for item in raw:
        family = LINT_FAMILY.get(item["lint"])
        if family is None or (lib_bins_only and item.get("in_lib_bins") is False):
            continue
        spots.append(
            Spot(
                item["path"], item["line"], item["end_line"], family, item["lint"], item["in_macro"]
            )
        )
    return spots


def match(ours: Sequence[Spot], theirs: Sequence[Spot]) -> tuple[list[Spot], list[Spot], int]:
    """Greedy one-to-one matching by file, family and overlapping lines."""
    by_key: dict[tuple[str, str], list[Spot]] = defaultdict(list)
    for spot in theirs:
        by_key[(spot.path, spot.family)].append(spot)
    used: set[int] = set()
    only_ours: list[Spot] = []
    matched = 0
    for spot in sorted(ours, key=lambda s: (s.path, s.line)):
        candidates = by_key.get((spot.path, spot.family), [])
        best = None
        for other in candidates:
            key = id(other)
            if key in used or other.end_line < spot.line or spot.end_line < other.line:
                continue
            # Closest span wins: nested unwraps share a start line but not an end line.
            cost = abs(other.line - spot.line) + abs(other.end_line - spot.end_line)
            if best is None or cost < best[2]:
                best = (key, other, cost)
        if best is None:
            only_ours.append(spot)
        else:
            used.add(best[0])
            matched += 1
    only_theirs = [s for s in theirs if id(s) not in used]
    return only_ours, only_theirs, matched


def _cfg_predicate(node: Node) -> str | None:
    """`P` of a `#[cfg(P)]` / `#![cfg(P)]` attribute node, else None."""
    if node.type not in ("attribute_item", "inner_attribute_item") or node.text is None:
        return None
    text = node.text.decode("utf-8", "replace")
    inner = text.removeprefix("#!").removeprefix("#").strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return None
    body = inner[1:-1].strip()
    if not body.startswith("cfg") or not body.endswith(")"):
        return None
    head = body[3:].lstrip()
    return head[1:-1] if head.startswith("(") else None


class Classifier:
    """Why a spot is on one side only (see the module docstring)."""

    def __init__(
        self,
        sources: Mapping[str, bytes],
        analysed: Iterable[str],
        *,
        tests_built: bool,
        test_lines: frozenset[tuple[str, int]],
        features: frozenset[str] = frozenset({"default"}),
    ) -> None:
        self.sources = sources
        self.cfg = CfgEvaluator(features, test=tests_built)
        self.analysed = frozenset(analysed)
        # The oracle falls back to `--lib --bins` when dev-dependencies are missing; then
        # test code was never compiled, like code under a disabled cfg.
        self.tests_built = tests_built
        self.test_lines = test_lines
        self._lines: dict[str, list[str]] = {}
        self._cfg: dict[str, set[int]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self._lines:
            text = self.sources.get(path, b"").decode("utf-8", "replace")
            self._lines[path] = text.splitlines()
        lines = self._lines[path]
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def cfg_lines(self, path: str) -> set[int]:
        """Lines inside items (or files) gated by a `#[cfg(..)]` that did not hold when
        the oracle compiled the crate (benchmarks/cfg_eval.py)."""
        if path not in self._cfg:
            gated: set[int] = set()
            root = parse(self.sources.get(path, b""))
            stack = [root]
            while stack:
                node = stack.pop()
                predicate = _cfg_predicate(node)
                if predicate is not None and not self.cfg.holds(predicate):
                    if node.type == "inner_attribute_item":
                        parent = node.parent
                        if parent is not None and parent.type == "source_file":
                            gated.update(range(1, root.end_point[0] + 2))
                    else:
                        # A match arm holds its attributes as children; items and
                        # statements have them as preceding siblings.
                        parent = node.parent
                        if parent is not None and parent.type == "match_arm":
                            item = parent
                        else:
                            item = node.next_named_sibling
                            while item is not None and item.type == "attribute_item":
                                item = item.next_named_sibling
                        if item is not None:
                            gated.update(range(item.start_point[0] + 1, item.end_point[0] + 2))
                stack.extend(node.named_children)
            self._cfg[path] = gated
        return self._cfg[path]

    def ours(self, spot: Spot) -> str:
        if spot.path not in self.analysed or spot.line in self.cfg_lines(spot.path):
            return "cfg'd-out code"
        if not self.tests_built and (spot.path, spot.line) in self.test_lines:
            return "cfg'd-out code"
        if spot.in_macro:
            return "macro"
        text = self.line(spot.path, spot.line)
        if spot.what == "integer-division" and "%" in text and "/" not in text:
            return "different goal (Clippy's integer_division covers `/` only)"
        if spot.what == "map-key-index" or (spot.what == "process-exit" and "abort" in text):
            # Clippy's indexing_slicing skips maps; its `exit` lint does not cover abort.
            return "clippy's gap"
        if spot.family == "unwrap/expect" and ("self.expect(" in text or ")?" in text):
            return "type the tool can't see"
        if spot.what == "index-or-slice" and re.search(
            r"\[\s*\d[\d_]*\s*(?:\.\.=?\s*\d*)?\s*\]", text
        ):
            # A literal index into what only the types show is an array (a pattern
            # binding, a fn's return value).
            return "type the tool can't see"
        return "our bug?"

    def theirs(self, spot: Spot) -> str:
        if spot.in_macro:
            return "macro"
        if spot.path == "build.rs" or spot.path.endswith("/build.rs"):
            return "by design: build.rs counts as test code"
        text = self.line(spot.path, spot.line)
        if spot.what == "integer_division" and re.search(r"[/%]=?\s*\d", text):
            return "different goal (a literal divisor cannot be zero)"
        if not any(mark in text for mark in _PANIC_MARKS) and spot.family != "integer-division":
            return "type the tool can't see"
        # `s[a..b]` on a `&str` held in a variable: the type decides, and it is not visible.
        if spot.what == "string_slice":
            return "type the tool can't see"
        return "our bug?"


def compare(
    ours: Sequence[Spot], theirs: Sequence[Spot], classifier: Classifier
) -> tuple[dict[str, Tally], list[tuple[str, Spot]]]:
    tallies: dict[str, Tally] = {family: Tally() for family in FAMILIES}
    listed: list[tuple[str, Spot]] = []
    only_ours, only_theirs, _ = match(ours, theirs)
    for family in FAMILIES:
        mine = [s for s in ours if s.family == family]
        other = [s for s in theirs if s.family == family]
        _, _, matched = match(mine, other)
        tallies[family] = Tally(len(mine), len(other), matched)
    for spot in only_ours:
        reason = classifier.ours(spot)
        tallies[spot.family].reasons[f"ours: {reason}"] += 1
        if reason == "cfg'd-out code":
            tallies[spot.family].cfg_out += 1
        listed.append((f"ours: {reason}", spot))
    for spot in only_theirs:
        reason = classifier.theirs(spot)
        tallies[spot.family].reasons[f"clippy: {reason}"] += 1
        listed.append((f"clippy: {reason}", spot))
    return tallies, listed


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report(crates: Sequence[tuple[str, Path]], saved: Path | None, detail: Path | None) -> str:
    rows: list[str] = []
    totals: dict[tuple[str, str], Tally] = defaultdict(Tally)
    speed: list[str] = []
    disagreements: list[str] = []
    largest = max(crates, key=lambda c: sum(len(s) for s in read_sources(c[1]).values()))
    for name, crate in crates:
        data = oracle_findings(name, crate, saved)
        sources = read_sources(crate)
        analysed = data.get("analyzed_files", [])
        assert isinstance(analysed, list)
        test_lines = frozenset(
            (f.path, line)
            for f in panicscan_test_code(sources)
            for line in range(f.line, f.end_line + 1)
        )
        classifier = Classifier(
            sources,
            analysed,
            tests_built=data.get("targets") == "all-targets",
            test_lines=test_lines,
            features=default_features(crate),
        )
        for mode, include_tests in (("all", True), ("default", False)):
            ours = our_spots(panicscan_findings(sources, include_tests))
            theirs = clippy_spots(data, lib_bins_only=not include_tests)
            tallies, listed = compare(ours, theirs, classifier)
            for family, tally in tallies.items():
                totals[(mode, family)].add(tally)
                if tally.ours or tally.clippy:
                    reasons = ", ".join(f"{k} {v}" for k, v in sorted(tally.reasons.items()))
                    rows.append(
                        f"| {name} | {mode} | {family} | {tally.ours} | {tally.clippy} | "
                        f"{tally.matched} | {_ratio(tally.recall)} | {_ratio(tally.precision)} | "
                        f"{reasons or '-'} |"
                    )
            if mode == "all":
                for reason, spot in listed:
                    disagreements.append(
                        f"{name}\t{reason}\t{spot.path}:{spot.line}\t{spot.what}\t"
                        f"{classifier.line(spot.path, spot.line).strip()[:120]}"
                    )
        timing = timings(sources, RUNS)
        scan_ms, parse_ms = timing.default, timing.parse
        clippy_s = data.get("elapsed_s")
        clippy_ms = float(clippy_s) * 1000 if isinstance(clippy_s, int | float) else None
        vs_clippy = f"{clippy_ms / scan_ms:.1f}" if clippy_ms else "-"
        speed.append(
            f"| {name} | {len(sources)} | {sum(len(s) for s in sources.values()) // 1024} | "
            f"{scan_ms:.0f} | {parse_ms:.0f} | {scan_ms / parse_ms:.2f} | "
            f"{clippy_ms or 0:.0f} | {vs_clippy} |"
        )
    rss = peak_rss_kib(largest[1])
    if detail is not None:
        detail.write_text("\n".join(disagreements) + "\n")
    lines = [
        "| crate | mode | family | panicscan | clippy | matched | recall | precision | "
        "disagreements |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Totals:",
        "",
        "| mode | family | panicscan | clippy | matched | recall | "
        "precision (cfg'd-out excluded) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (mode, family), tally in sorted(totals.items()):
        if tally.ours or tally.clippy:
            lines.append(
                f"| {mode} | {family} | {tally.ours} | {tally.clippy} | {tally.matched} | "
                f"{_ratio(tally.recall)} | {_ratio(tally.precision)} |"
            )
    lines += [
        "",
        "Speed (CPU ms, median of 3, same run, as `python -m benchmarks.speed` measures it; "
        "the scan is `panicscan scan --all --include-tests` with the default rules; "
        "clippy time is the oracle's elapsed time):",
        "",
        "| crate | .rs files | KiB | scan ms | parse-only ms | scan/parse | clippy ms | "
        "clippy/scan |",
        "|---|---|---|---|---|---|---|---|",
        *speed,
        "",
        f"Peak RSS scanning the largest crate ({largest[0]}) in a fresh process: "
        f"{rss / 1024:.0f} MiB.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.accuracy")
    parser.add_argument("crates", nargs="+", help="NAME=CRATE_DIR")
    parser.add_argument("--oracle-dir", type=Path, help="saved oracle JSON (NAME.json)")
    parser.add_argument("--detail", type=Path, help="write every disagreement (TSV) here")
    args = parser.parse_args(argv)
    crates = []
    for item in args.crates:
        name, _, directory = item.partition("=")
        crates.append((name, Path(directory)))
    sys.stdout.write(report(crates, args.oracle_dir, args.detail))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
