"""Fixtures for the `panicscan` CLI tests: `main(argv)` in-process, and throwaway git repos."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from cli_helpers import CliRunner, GitRepo, Run

from bot.cli import main


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Call `bot.cli.main(argv)` in-process; argparse's SystemExit becomes the exit code."""

    def run(*argv: str | Path, stdin: bytes | None = None) -> Run:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capsys.readouterr()  # drop anything printed before this call
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse exits for --version and usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")
