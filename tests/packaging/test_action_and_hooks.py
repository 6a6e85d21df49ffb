"""action.yml and .pre-commit-hooks.yaml: valid YAML, and the commands they run really work.

The action's scan script is run for real with bash (panicscan from the dev venv on PATH)
in a throwaway git repository, the way a runner would after actions/checkout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LIB = "pub fn f(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"


def _load(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def _scan_flags() -> set[str]:
    parser = build_parser()
    scan = parser._subparsers._group_actions[0].choices["scan"]  # type: ignore[union-attr]
    return {opt for action in scan._actions for opt in action.option_strings}


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return proc.stdout.strip()


@pytest.fixture
def pr_checkout(tmp_path: Path) -> tuple[Path, str]:
    """A checkout whose HEAD adds an `.unwrap()` on top of `base`."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "src" / "lib.rs").write_text("pub fn f() {}\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "src" / "lib.rs").write_text(LIB, encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "head")
    return repo, base


# --- action.yml ---------------------------------------------------------------------------


def _action_steps() -> list[dict[str, Any]]:
    steps = _load("action.yml")["runs"]["steps"]
    assert isinstance(steps, list)
    return steps


def _scan_step() -> dict[str, Any]:
    (step,) = [s for s in _action_steps() if s.get("id") == "scan"]
    return step


def test_action_is_a_composite_action_with_the_documented_inputs() -> None:
    action = _load("action.yml")

    assert action["runs"]["using"] == "composite"
    assert {"base", "fail-level", "format", "config", "upload-sarif"} <= set(action["inputs"])
    assert "github.event.pull_request.base.sha" in action["inputs"]["base"]["default"]
    for step in _action_steps():
        if "run" in step:
            assert step["shell"] == "bash"  # composite run steps must name their shell


def test_action_refers_only_to_inputs_and_steps_it_declares() -> None:
    action = _load("action.yml")
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    step_ids = {s["id"] for s in _action_steps() if "id" in s}

    assert set(re.findall(r"inputs\.([\w-]+)", text)) <= set(action["inputs"])
    assert set(re.findall(r"steps\.([\w-]+)\.", text)) <= step_ids


def test_action_never_splices_expressions_into_shell_scripts() -> None:
    # `${{ ... }}` inside `run:` is script injection (a branch name could carry `$(...)`).
    for step in _action_steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def test_action_uploads_sarif_with_codeql_upload_action() -> None:
    (upload,) = [s for s in _action_steps() if "upload-sarif" in s.get("uses", "")]

    assert upload["uses"].startswith("github/codeql-action/upload-sarif@v")
    assert "steps.scan.outputs.report" in upload["with"]["sarif_file"]
    assert "always()" in upload["if"]


def test_action_uses_only_scan_flags_the_cli_has() -> None:
    script = _scan_step()["run"]
    used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", script)) - {"--config"}

    assert used, "the scan step should pass flags"
    assert used <= _scan_flags()


def test_action_config_input_maps_to_a_cli_flag() -> None:
    if "--config" not in _scan_flags():
        pytest.skip("`panicscan scan --config` is issue 4's work and not in the CLI yet")
    assert "--config" in _scan_step()["run"]


def _run_scan_step(repo: Path, tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str]]:
    step = _scan_step()
    output_file = tmp_path / "github_output"
    output_file.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANICSCAN_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["GITHUB_OUTPUT"] = str(output_file)
    for name, value in step["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value)
        assert match, f"{name} should come straight from an input"
        env[name] = inputs.get(match.group(1), "")
    proc = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines()
    )
    return proc.returncode, outputs


def test_action_scan_step_writes_sarif_and_records_the_exit_code(
    pr_checkout: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pr_checkout

    code, outputs = _run_scan_step(
        repo, tmp_path, base=base, format="sarif", **{"fail-level": "error"}
    )

    # The step itself succeeds so the upload can run; the verdict step fails later.
    assert code == 0
    assert outputs == {"exit-code": "1", "report": "panicscan.sarif"}
    sarif = json.loads((repo / "panicscan.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["unwrap-used"]


def test_action_scan_step_prints_annotations_by_default(
    pr_checkout: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pr_checkout

    code, outputs = _run_scan_step(
        repo, tmp_path, base=base, format="github", **{"fail-level": "never"}
    )

    assert code == 0
    assert outputs == {"exit-code": "0", "report": ""}


def test_action_scan_step_without_a_base_fails_with_an_annotation(
    pr_checkout: tuple[Path, str], tmp_path: Path
) -> None:
    repo, _ = pr_checkout

    code, outputs = _run_scan_step(repo, tmp_path, base="", format="github")

    assert code == 2
    assert outputs == {}


# --- .pre-commit-hooks.yaml ---------------------------------------------------------------


def test_pre_commit_hook_is_valid_and_scans_the_staged_diff() -> None:
    (hook,) = _load(".pre-commit-hooks.yaml")

    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["id"] == "panicscan"
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    assert hook["pass_filenames"] is False
    argv = shlex.split(hook["entry"])
    assert argv[:3] == ["panicscan", "scan", "--staged"]
    args = build_parser().parse_args(argv[1:])
    assert args.command == "scan"
    assert args.staged is True


def test_pre_commit_hook_entry_blocks_a_commit_that_adds_a_panic(tmp_path: Path) -> None:
    (hook,) = _load(".pre-commit-hooks.yaml")
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "src" / "lib.rs").write_text(LIB, encoding="utf-8")
    _git(repo, "add", "-A")
    argv = shlex.split(hook["entry"])

    proc = subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 1, proc.stderr
    assert "src/lib.rs:2:" in proc.stdout
