"""`panicscan scan --format sarif` through the console script: same exit status as other formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PANICSCAN = Path(sys.executable).parent / "panicscan"
DEMO = ROOT / "examples" / "demo"


def _scan(*extra: str) -> subprocess.CompletedProcess[bytes]:
    argv = ["scan", "--diff", str(DEMO / "pr.diff"), "--root", str(DEMO / "head"), *extra]
    return subprocess.run([str(PANICSCAN), *argv], capture_output=True, timeout=60, check=False)


def test_sarif_output_has_the_same_findings_and_exit_status_as_json() -> None:
    sarif, as_json = _scan("--format", "sarif"), _scan("--format", "json")

    assert sarif.returncode == as_json.returncode == 1
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    findings = json.loads(as_json.stdout)["findings"]
    assert [r["partialFingerprints"]["panicscan/v1"] for r in results] == [
        f["fingerprint"] for f in findings
    ]


def test_sarif_with_fail_level_never_exits_zero() -> None:
    run = _scan("--format", "sarif", "--fail-level", "never")

    assert run.returncode == 0
    assert json.loads(run.stdout)["version"] == "2.1.0"


def test_sarif_driver_lists_rules_that_did_not_run_as_disabled(tmp_path: Path) -> None:
    config = tmp_path / "panicscan.yml"
    config.write_text("rules:\n  integer-division: on\n  unwrap-used: off\n")
    run = _scan("--format", "sarif", "--config", str(config))

    rules = json.loads(run.stdout)["runs"][0]["tool"]["driver"]["rules"]
    enabled = {r["id"]: r["defaultConfiguration"]["enabled"] for r in rules}
    assert len(enabled) == len(list((ROOT / "rules").glob("*.yml")))
    assert enabled["integer-division"] is True  # off by default, switched on here
    assert enabled["unwrap-used"] is False  # on by default, switched off here
    assert enabled["refcell-borrow"] is False  # off by default, left off
    assert enabled["panic-macro"] is True
