"""Fingerprints: one finding keeps its fingerprint across input modes and edits above it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli_helpers import DEMO_DIFF, DEMO_HEAD, CliRunner, new_file_diff

PARSER = (
    "pub struct Parser {\n"
    "    buf: Vec<u8>,\n"
    "}\n"
    "\n"
    "impl Parser {\n"
    "    pub fn next(&mut self, i: usize) -> u8 {\n"
    "        let n = self.peek().unwrap();\n"
    "        self.buf[i] + n\n"
    "    }\n"
    "\n"
    "    fn peek(&self) -> Option<u8> {\n"
    "        self.buf.first().copied()\n"
    "    }\n"
    "}\n"
)
UNRELATED_ABOVE = (
    "//! Parsing helpers.\n"
    "\n"
    "use std::fmt;\n"
    "\n"
    "/// A helper nobody calls.\n"
    "pub fn helper(x: Option<u8>) -> u8 {\n"
    "    x.unwrap_or(0)\n"
    "}\n"
    "\n"
)


def _by_rule(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["rule"]: f for f in findings}


def test_diff_and_all_runs_give_the_same_fingerprints(cli: CliRunner) -> None:
    diff_run = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json")
    all_run = cli("scan", "--all", "--root", DEMO_HEAD, "--format", "json")

    all_by_position = {
        (f["path"], f["line"], f["column"], f["rule"]): f for f in all_run.findings()
    }
    assert diff_run.findings()
    for finding in diff_run.findings():
        key = (finding["path"], finding["line"], finding["column"], finding["rule"])
        assert key in all_by_position, key
        assert all_by_position[key]["fingerprint"] == finding["fingerprint"]


def test_partial_context_gives_the_same_fingerprints_for_a_new_file(
    cli: CliRunner, tmp_path: Path
) -> None:
    # A new file's hunk is the whole file, so hunk-only parsing sees the same items.
    diff = tmp_path / "new.diff"
    diff.write_text(new_file_diff("src/parser.rs", PARSER))
    head = tmp_path / "head" / "src"
    head.mkdir(parents=True)
    (head / "parser.rs").write_text(PARSER)

    partial = cli("scan", "--diff", diff, "--format", "json")
    full = cli("scan", "--diff", diff, "--root", tmp_path / "head", "--format", "json")

    assert [f["context"] for f in partial.findings()] == ["partial", "partial"]
    assert [f["fingerprint"] for f in partial.findings()] == [
        f["fingerprint"] for f in full.findings()
    ]


def test_fingerprints_survive_unrelated_lines_inserted_above(
    cli: CliRunner, tmp_path: Path
) -> None:
    first = tmp_path / "first.diff"
    first.write_text(new_file_diff("src/parser.rs", PARSER))
    shifted = tmp_path / "shifted.diff"
    shifted.write_text(new_file_diff("src/parser.rs", UNRELATED_ABOVE + PARSER))

    before = _by_rule(cli("scan", "--diff", first, "--format", "json").findings())
    after = _by_rule(cli("scan", "--diff", shifted, "--format", "json").findings())

    assert set(before) == set(after) == {"unwrap-used", "index-or-slice"}
    offset = UNRELATED_ABOVE.count("\n")
    for rule, finding in before.items():
        assert after[rule]["line"] == finding["line"] + offset
        assert after[rule]["fingerprint"] == finding["fingerprint"]


def test_fingerprint_changes_when_the_flagged_code_changes(cli: CliRunner, tmp_path: Path) -> None:
    first = tmp_path / "first.diff"
    first.write_text(new_file_diff("src/parser.rs", PARSER))
    edited = tmp_path / "edited.diff"
    edited.write_text(
        new_file_diff("src/parser.rs", PARSER.replace("self.peek()", "self.peek_hard()"))
    )

    before = _by_rule(cli("scan", "--diff", first, "--format", "json").findings())
    after = _by_rule(cli("scan", "--diff", edited, "--format", "json").findings())

    assert after["unwrap-used"]["fingerprint"] != before["unwrap-used"]["fingerprint"]
    assert after["index-or-slice"]["fingerprint"] == before["index-or-slice"]["fingerprint"]


def test_identical_expressions_in_one_item_get_distinct_fingerprints(
    cli: CliRunner, tmp_path: Path
) -> None:
    diff = tmp_path / "twice.diff"
    diff.write_text(
        new_file_diff(
            "src/twice.rs", "pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap() + x.unwrap()\n}\n"
        )
    )

    findings = cli("scan", "--diff", diff, "--format", "json").findings()

    assert len(findings) == 2
    assert findings[0]["fingerprint"] != findings[1]["fingerprint"]
