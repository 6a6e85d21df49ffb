"""`--format sarif`: valid SARIF 2.1.0 (the published schema) in the subset GitHub accepts."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

import bot.report.sarif as sarif_module
from bot.core.diff import parse_unified_diff
from bot.core.model import Finding, Problem, ScanResult, ScanStats, Severity
from bot.core.scan import ScanOptions, scan, targets_from_diff
from bot.report.json_report import render_json
from bot.report.sarif import FINGERPRINT_KEY, render_sarif, sarif_log
from bot.rulefiles import load_rules

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
SCHEMA = (
    ROOT / "tests/fixtures/npm/node_modules/@microsoft/jest-sarif/lib/schemas"
    "/sarif-2.1.0-rtm.5.json"
)
RULES = load_rules()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    """The SARIF 2.1.0 schema from npm (scripts/fetch-fixtures, pinned), as a validator."""
    if not SCHEMA.is_file():
        subprocess.run([str(ROOT / "scripts" / "fetch-fixtures")], check=True, timeout=300)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _demo_result() -> ScanResult:
    parsed = parse_unified_diff((DEMO / "pr.diff").read_bytes())
    targets, problems = targets_from_diff(parsed.files)
    sources = {t.path: (DEMO / "head" / t.path).read_bytes() for t in targets}
    return scan(targets, sources, RULES, ScanOptions(), problems=problems)


def _finding(**changes: object) -> Finding:
    base = Finding(
        rule="unwrap-used",
        severity=Severity.ERROR,
        path="src/lib.rs",
        line=3,
        column=9,
        end_line=3,
        end_column=18,
        message="`cfg.parse()` is unwrapped and panics on `None` or `Err`",
        fingerprint="0123456789abcdef0123",
        item_path="impl Loader / fn load",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _result(*findings: Finding, problems: tuple[Problem, ...] = ()) -> ScanResult:
    return ScanResult(tuple(findings), problems, ScanStats(1, 10, 1.0, 2.0))


def _log(result: ScanResult) -> dict[str, Any]:
    document = json.loads(render_sarif(result, RULES))
    assert isinstance(document, dict)
    return document


def _assert_valid(validator: jsonschema.Draft4Validator, document: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_demo_scan_is_valid_sarif_2_1_0(validator: jsonschema.Draft4Validator) -> None:
    document = _log(_demo_result())

    _assert_valid(validator, document)
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    assert document["runs"][0]["results"]


def test_a_scan_with_no_findings_still_has_a_results_array(
    validator: jsonschema.Draft4Validator,
) -> None:
    document = _log(_result())

    _assert_valid(validator, document)
    # GitHub needs `results` present (an empty list means "nothing found", not "no data").
    assert document["runs"][0]["results"] == []


def test_driver_lists_every_rule_with_its_docs_level_and_clippy_tag() -> None:
    driver = _log(_result())["runs"][0]["tool"]["driver"]

    assert driver["name"] == "panicscan"
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in RULES]
    for descriptor, rule in zip(driver["rules"], RULES, strict=True):
        assert descriptor["name"].isidentifier()
        assert descriptor["shortDescription"]["text"]
        assert descriptor["fullDescription"]["text"]
        assert descriptor["help"]["markdown"].startswith(f"# {rule.code} `{rule.id}`")
        expected_level = {"error": "error", "warning": "warning", "notice": "note"}
        assert descriptor["defaultConfiguration"]["level"] == expected_level[rule.severity]
        tags = descriptor["properties"]["tags"]
        assert {f"clippy::{name}" for name in rule.clippy} <= set(tags)
        assert rule.code in tags
        assert len(tags) <= 10


def test_results_match_the_json_findings_position_rule_and_fingerprint() -> None:
    result = _demo_result()
    findings = json.loads(render_json(result))["findings"]
    run = _log(result)["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]

    assert len(run["results"]) == len(findings)
    for sarif_result, finding in zip(run["results"], findings, strict=True):
        assert sarif_result["ruleId"] == finding["rule"]
        assert rule_ids[sarif_result["ruleIndex"]] == finding["rule"]
        assert sarif_result["message"]["text"] == finding["message"]
        location = sarif_result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": finding["path"], "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {
            "startLine": finding["line"],
            "startColumn": finding["column"],
            "endLine": finding["end_line"],
            "endColumn": finding["end_column"],
        }
        assert sarif_result["partialFingerprints"] == {FINGERPRINT_KEY: finding["fingerprint"]}


def test_columns_are_declared_as_code_points() -> None:
    # Our columns count characters; SARIF's default unit is UTF-16 code units.
    assert _log(_result())["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_severities_map_to_sarif_levels() -> None:
    findings = [
        _finding(severity=Severity.ERROR),
        _finding(severity=Severity.WARNING, rule="index-or-slice"),
        _finding(severity=Severity.NOTICE),
    ]
    levels = [r["level"] for r in _log(_result(*findings))["runs"][0]["results"]]

    assert levels == ["error", "warning", "note"]


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("inline", "inSource"),
        ("allow-attribute", "inSource"),
        ("test-code", "inSource"),
        ("waived", "external"),
        ("some-future-reason", "external"),
    ],
)
def test_suppressed_findings_carry_a_suppression_with_a_justification(
    validator: jsonschema.Draft4Validator, reason: str, kind: str
) -> None:
    document = _log(_result(_finding(suppressed=reason), _finding(line=9)))

    _assert_valid(validator, document)
    suppressed, active = document["runs"][0]["results"]
    assert suppressed["suppressions"][0]["kind"] == kind
    assert suppressed["suppressions"][0]["justification"]
    assert "suppressions" not in active


@pytest.mark.parametrize(
    "path",
    ["src/my file.rs", "src/café.rs", "src/100%.rs", "src/a#b?.rs", "src/[x].rs", "src/a\tb.rs"],
)
def test_odd_paths_become_relative_uri_references_that_decode_back(
    validator: jsonschema.Draft4Validator, path: str
) -> None:
    document = _log(_result(_finding(path=path)))

    _assert_valid(validator, document)
    uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(parts.path) == path
    assert uri.isascii()


def test_problems_become_tool_notifications(validator: jsonschema.Draft4Validator) -> None:
    problem = Problem("src/huge.rs", "skipped: larger than 8 MiB")
    document = _log(_result(problems=(problem,)))

    _assert_valid(validator, document)
    notes = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes == [
        {"message": {"text": "src/huge.rs: skipped: larger than 8 MiB"}, "level": "warning"}
    ]


def test_more_results_than_code_scanning_accepts_are_cut_and_the_cut_is_reported(
    validator: jsonschema.Draft4Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif_module, "MAX_RESULTS_PER_RUN", 3)
    findings = [_finding(line=n, fingerprint=f"{n:020x}") for n in range(1, 6)]
    document = sarif_log(_result(*findings), RULES)

    _assert_valid(validator, document)
    run = document["runs"][0]
    assert [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]
    ] == [
        1,
        2,
        3,
    ]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("2 finding(s) left out" in n["message"]["text"] for n in notes)


def test_a_finding_of_a_rule_not_loaded_has_no_rule_index(
    validator: jsonschema.Draft4Validator,
) -> None:
    document = _log(_result(_finding(rule="not-a-rule")))

    _assert_valid(validator, document)
    result = document["runs"][0]["results"][0]
    assert result["ruleId"] == "not-a-rule"
    assert "ruleIndex" not in result


def test_schema_validator_rejects_a_broken_log(validator: jsonschema.Draft4Validator) -> None:
    # Guard against a vacuous schema: a result without a message must fail.
    document = _log(_result(_finding()))
    del document["runs"][0]["results"][0]["message"]

    assert list(validator.iter_errors(document))
