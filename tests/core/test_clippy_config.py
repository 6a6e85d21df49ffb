"""clippy.toml settings map onto panicscan's test-code, const and lock-result handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.clippy_config import MAX_CLIPPY_TOML_BYTES, ClippyConfig, parse_clippy_toml
from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()


def marks(code: str, config: ClippyConfig) -> list[tuple[int, str, str | None]]:
    found = analyse_file("src/lib.rs", code.encode(), None, RULES, clippy=config).findings
    return [(f.line, f.rule, f.suppressed) for f in found]


def test_absent_settings_keep_the_defaults() -> None:
    config, problems = parse_clippy_toml('msrv = "1.70"\n', "clippy.toml")
    assert config == ClippyConfig()
    assert problems == []


def test_allow_unwrap_in_tests_false_reports_unwraps_in_test_code() -> None:
    config, _ = parse_clippy_toml("allow-unwrap-in-tests = false\n", "clippy.toml")
    code = "#[test]\nfn t() { x.unwrap(); v[i]; }\n"
    assert marks(code, config) == [(2, "unwrap-used", None), (2, "index-or-slice", "test-code")]


def test_allow_indexing_slicing_in_tests_false_reports_indexing_in_test_code() -> None:
    config, _ = parse_clippy_toml("allow-indexing-slicing-in-tests = false\n", "c")
    assert config.report_in_tests == {"index-or-slice", "string-slice", "map-key-index"}


def test_unwrap_in_const_items_is_suppressed_by_default_and_reported_when_disallowed() -> None:
    code = 'const N: u32 = parse("3").unwrap();\nfn f() { x.unwrap(); }\n'
    assert marks(code, ClippyConfig()) == [(1, "unwrap-used", "config"), (2, "unwrap-used", None)]
    config, _ = parse_clippy_toml("allow-unwrap-in-consts = false\n", "clippy.toml")
    assert marks(code, config) == [(1, "unwrap-used", None), (2, "unwrap-used", None)]


def test_allow_unwrap_types_lock_result_suppresses_lock_unwraps_only() -> None:
    config, problems = parse_clippy_toml(
        'allow-unwrap-types = ["std::sync::LockResult"]\n', "clippy.toml"
    )
    assert problems == []
    code = 'fn f() { let g = m.lock().unwrap(); let r = rw.read().expect("r"); x.unwrap(); }\n'
    assert [(r, s) for _, r, s in marks(code, config)] == [
        ("unwrap-used", "config"),
        ("expect-used", "config"),
        ("unwrap-used", None),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("allow-unwrap-in-tests = [", "invalid TOML"),
        ('allow-unwrap-in-tests = "no"\n', "must be true or false"),
        ('allow-unwrap-types = "LockResult"\n', "must be a list"),
        ('allow-unwrap-types = ["std::option::Option"]\n', "cannot be recognised"),
    ],
)
def test_malformed_settings_fall_back_to_defaults_with_a_problem(text: str, problem: str) -> None:
    config, problems = parse_clippy_toml(text, "clippy.toml")
    assert config == ClippyConfig()
    assert len(problems) == 1
    assert problems[0].startswith("clippy.toml: ")
    assert problem in problems[0]


def test_oversized_clippy_toml_is_refused() -> None:
    text = "# " + "x" * MAX_CLIPPY_TOML_BYTES
    config, problems = parse_clippy_toml(text, "clippy.toml")
    assert config == ClippyConfig()
    assert "larger than" in problems[0]


def _scan_all(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    main(["scan", "--all", "--root", str(root), "--format", "json"])
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_cli_reads_clippy_toml_from_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/lib.rs").write_text("#[test]\nfn t() { x.unwrap(); }\n")
    before = _scan_all(tmp_path, capsys)["findings"]
    assert isinstance(before, list)
    assert [f["suppressed"] for f in before] == ["test-code"]
    (tmp_path / ".clippy.toml").write_text("allow-unwrap-in-tests = false\n")
    after = _scan_all(tmp_path, capsys)["findings"]
    assert isinstance(after, list)
    assert [f["suppressed"] for f in after] == [None]


def test_cli_reports_a_broken_clippy_toml_as_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lib.rs").write_text("fn f() {}\n")
    (tmp_path / "clippy.toml").write_text("allow-unwrap-in-tests = [\n")
    problems = _scan_all(tmp_path, capsys)["problems"]
    assert isinstance(problems, list)
    assert [p["path"] for p in problems] == ["clippy.toml"]
