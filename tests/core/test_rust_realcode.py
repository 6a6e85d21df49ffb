"""Smoke test on real crate sources, skipped when none exist: the crate-pair trees that
scripts/fetch-fixtures puts in tests/fixtures/crates, and Debian's librust-*-dev sources.

PANICSCAN_SMOKE_DIR can point at another tree of .rs files (e.g. a crate-pair head).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()
MAX_FILES = 400


def _roots() -> list[Path]:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "crates"
    candidates = [fixtures, Path("/usr/share/cargo/registry")]
    if os.environ.get("PANICSCAN_SMOKE_DIR"):
        candidates.insert(0, Path(os.environ["PANICSCAN_SMOKE_DIR"]))
    return [root for root in candidates if root.is_dir()]


def _files() -> list[Path]:
    files: list[Path] = []
    for root in _roots():
        files.extend(sorted(root.rglob("*.rs"))[: MAX_FILES - len(files)])
    return files


FILES = _files()


@pytest.mark.skipif(not FILES, reason="no real Rust sources installed")
def test_real_crate_sources_analyse_without_errors_and_find_panics() -> None:
    total = 0
    started = time.perf_counter()
    for path in FILES:
        source = path.read_bytes()
        analysis = analyse_file(str(path), source, None, RULES, include_tests=True)
        for finding in analysis.findings:
            assert finding.line >= 1 and finding.column >= 1
            assert finding.message and finding.fingerprint
        total += len(analysis.findings)
    assert total > 0
    # Generous bound: catches pathological slowness, not a benchmark.
    assert time.perf_counter() - started < 5 * len(FILES)
