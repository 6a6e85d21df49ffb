"""`panicscan scan --format json` on the demo PR: the contract shape and the expected findings."""

from __future__ import annotations

import re

from cli_helpers import (
    DEMO_DIFF,
    DEMO_HEAD,
    FINDING_KEYS,
    STATS_KEYS,
    CliRunner,
    run_console,
)

EXPECTED_DEMO = [
    ("src/features.rs", 67, "unwrap-used"),
    ("src/features.rs", 68, "index-or-slice"),
    ("src/features.rs", 74, "expect-used"),
    ("src/scoring.rs", 16, "index-or-slice"),
    ("src/scoring.rs", 16, "index-or-slice"),
    ("src/scoring.rs", 19, "panic-macro"),
]
# The `#[cfg(test)] mod tests` block at the end of the demo's head src/features.rs.
TEST_MODULE_LINES = range(78, 88)


def _demo_json(cli: CliRunner, *extra: str) -> tuple[int, dict[str, object]]:
    run = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json", *extra)
    assert run.err == ""
    document = run.json()
    # Test-code findings are kept, marked `suppressed`; these tests check the reported ones.
    document["findings"] = [f for f in document["findings"] if not f["suppressed"]]
    return run.code, document


def test_console_script_prints_the_contract_json_and_exits_1() -> None:
    run = run_console(["scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json"])

    assert run.code == 1, run.err
    assert run.err == ""
    document = run.json()
    assert document["version"] == 1
    assert [(f["path"], f["line"], f["rule"]) for f in run.findings()] == EXPECTED_DEMO


def test_json_document_has_exactly_the_contract_keys(cli: CliRunner) -> None:
    _, document = _demo_json(cli)

    assert set(document) == {"version", "findings", "problems", "stats"}
    assert document["version"] == 1
    assert isinstance(document["stats"], dict)
    assert set(document["stats"]) == STATS_KEYS
    assert isinstance(document["findings"], list)
    for finding in document["findings"]:
        assert set(finding) == FINDING_KEYS


def test_json_field_types_and_values_follow_the_contract(cli: CliRunner) -> None:
    _, document = _demo_json(cli)
    stats = document["stats"]
    assert isinstance(stats, dict)
    assert stats["files"] == 2
    assert isinstance(stats["changed_lines"], int) and stats["changed_lines"] > 0
    assert all(
        isinstance(stats[k], int | float) and stats[k] >= 0 for k in ("parse_ms", "total_ms")
    )

    findings = document["findings"]
    assert isinstance(findings, list)
    for f in findings:
        assert f["severity"] in {"error", "warning", "notice"}
        assert f["suppressed"] is None
        assert f["context"] == "full"
        assert re.fullmatch(r"[0-9a-f]+", f["fingerprint"])
        assert isinstance(f["message"], str) and "\n" not in f["message"] and f["message"]
        assert all(isinstance(f[k], int) for k in ("line", "column", "end_line", "end_column"))
        assert (f["end_line"], f["end_column"]) > (f["line"], f["column"])


def test_lines_and_columns_are_one_based_on_the_head_file(cli: CliRunner) -> None:
    _, document = _demo_json(cli)
    findings = document["findings"]
    assert isinstance(findings, list)
    head_lines = (DEMO_HEAD / "src/features.rs").read_text().splitlines()

    unwrap = next(f for f in findings if f["rule"] == "unwrap-used")
    text = head_lines[unwrap["line"] - 1]
    # end_column is the column just after the flagged text.
    assert text[unwrap["column"] - 1 : unwrap["end_column"] - 1] == ".unwrap()"
    expect = next(f for f in findings if f["rule"] == "expect-used")
    assert (
        head_lines[expect["line"] - 1].strip().startswith('let name = std::env::var("PROXY_NAME")')
    )


def test_findings_are_sorted_by_path_then_line(cli: CliRunner) -> None:
    _, document = _demo_json(cli)
    findings = document["findings"]
    assert isinstance(findings, list)
    keys = [(f["path"], f["line"], f["column"]) for f in findings]

    assert keys == sorted(keys)


def test_demo_diff_reports_the_expected_findings(cli: CliRunner) -> None:
    code, document = _demo_json(cli)
    findings = document["findings"]
    assert isinstance(findings, list)

    assert code == 1
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == EXPECTED_DEMO
    # Severity is graded per finding: the loop over MAX_FEATURES raises scoring.rs.
    severities = {(f["path"], f["line"], f["rule"]): f["severity"] for f in findings}
    assert severities == {
        ("src/features.rs", 67, "unwrap-used"): "error",
        ("src/features.rs", 68, "index-or-slice"): "warning",
        ("src/features.rs", 74, "expect-used"): "error",
        ("src/scoring.rs", 16, "index-or-slice"): "error",
        ("src/scoring.rs", 19, "panic-macro"): "error",
    }


def test_cfg_test_module_is_skipped_without_include_tests(cli: CliRunner) -> None:
    _, document = _demo_json(cli)
    findings = document["findings"]
    assert isinstance(findings, list)

    in_tests = [
        f
        for f in findings
        if f["path"] == "src/features.rs" and f["line"] in TEST_MODULE_LINES and not f["suppressed"]
    ]
    assert in_tests == []


def test_include_tests_adds_findings_in_the_cfg_test_module(cli: CliRunner) -> None:
    _, plain = _demo_json(cli)
    code, with_tests = _demo_json(cli, "--include-tests")
    plain_findings, test_findings = plain["findings"], with_tests["findings"]
    assert isinstance(plain_findings, list) and isinstance(test_findings, list)

    assert code == 1
    assert len(test_findings) > len(plain_findings)
    extra = [f for f in test_findings if f not in plain_findings]
    assert extra
    assert all(f["path"] == "src/features.rs" and f["line"] in TEST_MODULE_LINES for f in extra)
    assert ("src/features.rs", 84, "unwrap-used") in {
        (f["path"], f["line"], f["rule"]) for f in extra
    }
