"""`panicscan config check FILE` and `panicscan scan --config FILE`: the App's config
loader, locally."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import DEMO_DIFF, DEMO_HEAD, CliRunner


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "panicscan.yml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_a_valid_config_checks_ok(cli: CliRunner, tmp_path: Path) -> None:
    run = cli(
        "config", "check", _write(tmp_path, "fail_level: warning\nrules: {unwrap-used: notice}\n")
    )
    assert (run.code, run.out.strip()) == (0, f"{tmp_path / 'panicscan.yml'}: ok")


def test_each_problem_is_one_line_and_the_exit_is_1(cli: CliRunner, tmp_path: Path) -> None:
    run = cli("config", "check", _write(tmp_path, "fail_level: loud\nrules: {nope: on}\nx: 1\n"))
    assert run.code == 1
    lines = run.out.strip().splitlines()
    assert len(lines) == 4 and "fall back to the defaults" in lines[-1]
    assert any("fail_level" in line for line in lines)


def test_malformed_oversized_and_binary_configs_are_problems_not_crashes(
    cli: CliRunner, tmp_path: Path
) -> None:
    for text in (
        "a: [",
        "rules:\n" + "  x: on\n" * 20_000,
        b"\xff\xfe\x00garbage",
        "a: &x [1]\nb: *x\n",
    ):
        run = cli("config", "check", _write(tmp_path, text))
        assert run.code == 1, text
        assert "Traceback" not in run.err


def test_an_unreadable_config_is_exit_2_with_one_line(cli: CliRunner, tmp_path: Path) -> None:
    run = cli("config", "check", tmp_path / "missing.yml")
    assert run.code == 2
    assert run.err.count("\n") == 1 and run.err.startswith("panicscan: cannot read config")
    run = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--config", tmp_path)
    assert run.code == 2 and run.err.startswith("panicscan: cannot read config")


def test_scan_applies_rule_switches_paths_and_the_fail_level(
    cli: CliRunner, tmp_path: Path
) -> None:
    base = cli("scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json").json()
    rules = {f["rule"] for f in base["findings"] if not f["suppressed"]}
    assert {"unwrap-used", "index-or-slice"} <= rules
    config = _write(
        tmp_path,
        "fail_level: never\nrules: {index-or-slice: off}\npaths: {exclude: [src/scoring.rs]}\n",
    )
    run = cli(
        "scan", "--diff", DEMO_DIFF, "--root", DEMO_HEAD, "--format", "json", "--config", config
    )
    assert run.code == 0  # fail_level: never
    found = [f for f in run.json()["findings"] if not f["suppressed"]]
    assert found and all(f["path"] != "src/scoring.rs" for f in found)
    assert all(f["rule"] != "index-or-slice" for f in found)
    # An explicit --fail-level wins over the config's.
    again = cli(
        "scan",
        "--diff",
        DEMO_DIFF,
        "--root",
        DEMO_HEAD,
        "--config",
        config,
        "--fail-level",
        "error",
    )
    assert again.code == 1


def test_a_bad_config_still_scans_with_defaults_and_says_so(cli: CliRunner, tmp_path: Path) -> None:
    run = cli(
        "scan",
        "--diff",
        DEMO_DIFF,
        "--root",
        DEMO_HEAD,
        "--format",
        "json",
        "--config",
        _write(tmp_path, "rules: [broken"),
    )
    assert run.code == 1
    document = run.json()
    assert any("invalid YAML" in p["message"] for p in document["problems"])
    assert any(f["rule"] == "unwrap-used" for f in document["findings"])
