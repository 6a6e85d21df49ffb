"""The built wheel works on its own: rules inside, console script, no checkout needed.

Builds an sdist and, from it, a wheel (`python -m build`, as CI does), installs the
wheel into a fresh venv and runs it from a directory outside the source tree. The
fresh venv borrows only the dev venv's third-party packages (one .pth line), never
its editable panicscan, and the test checks that `bot` really comes from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from bot import __version__

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted(p.name for p in (ROOT / "rules").glob("*.yml"))
# What the sdist needs to build the wheel; copied so the build never writes into the checkout.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "bot", "rules", "examples")
EXAMPLE_FILES = sorted(
    p.relative_to(ROOT / "examples").as_posix()
    for p in (ROOT / "examples" / "demo").rglob("*")
    if p.is_file()
)


def _run(cmd: list[str | Path], cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("build")
    src = work / "src"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(source, src / name)
    out = work / "dist"
    # --no-isolation: build with the dev venv's setuptools/wheel (dev extras), no download.
    proc = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, src], work)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def fresh_venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "v"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", venv], venv.parent)
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    proc = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            wheel,
        ],
        venv.parent,
    )
    assert proc.returncode == 0, proc.stderr
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], venv)
    # Third-party dependencies only: a plain path line does not run the dev venv's .pth
    # files, so its editable panicscan stays out.
    deps = sysconfig.get_paths()["purelib"]
    Path(site.stdout.strip(), "dev-deps.pth").write_text(deps + "\n", encoding="utf-8")
    return venv


def test_sdist_carries_the_rules_and_the_build_hook(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in archive.getnames()}

    assert {f"rules/{name}" for name in RULE_FILES} <= names
    assert {f"examples/{name}" for name in EXAMPLE_FILES} <= names
    assert "setup.py" in names


def test_wheel_ships_every_rule_inside_the_package(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert {f"bot/rules/{name}" for name in RULE_FILES} <= names
    assert {f"bot/examples/{name}" for name in EXAMPLE_FILES} <= names
    assert "bot/py.typed" in names
    assert not any(n.startswith(("tests/", "rules/", "examples/")) for n in names)


def test_installed_wheel_imports_bot_from_the_venv_not_the_checkout(
    fresh_venv: Path, tmp_path: Path
) -> None:
    code = "import bot, bot.rulefiles as r; print(bot.__file__); print(r.DEFAULT_RULES_DIR)"
    proc = _run([fresh_venv / "bin" / "python", "-c", code], tmp_path)

    assert proc.returncode == 0, proc.stderr
    module_file, rules_dir = proc.stdout.splitlines()
    assert Path(module_file).is_relative_to(fresh_venv)
    assert Path(rules_dir).is_relative_to(fresh_venv)


def test_installed_console_script_prints_its_version(fresh_venv: Path, tmp_path: Path) -> None:
    proc = _run([fresh_venv / "bin" / "panicscan", "--version"], tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"panicscan {__version__}"


def test_installed_wheel_scans_a_crate_with_its_packaged_rules(
    fresh_venv: Path, tmp_path: Path
) -> None:
    crate = tmp_path / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text(
        'pub fn first(v: &[u8]) -> u8 {\n    let n: u8 = "1".parse().unwrap();\n    n\n}\n',
        encoding="utf-8",
    )
    panicscan = fresh_venv / "bin" / "panicscan"

    scan = _run([panicscan, "scan", "--all", "--root", crate, "--format", "json"], tmp_path)
    rules = _run([panicscan, "rules"], tmp_path)

    assert scan.returncode == 1, scan.stderr
    findings = json.loads(scan.stdout)["findings"]
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == [
        ("src/lib.rs", 2, "unwrap-used")
    ]
    assert rules.returncode == 0, rules.stderr
    assert len(rules.stdout.splitlines()) == len(RULE_FILES)


def test_installed_wheel_runs_the_demo_review_without_a_checkout(
    fresh_venv: Path, tmp_path: Path
) -> None:
    proc = _run([fresh_venv / "bin" / "panicscan", "demo", "--quiet"], tmp_path)

    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "finding" in proc.stdout
