"""Shared helpers for the CLI tests (a uniquely named module; conftest.py holds the fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO = REPO_ROOT / "examples" / "demo"
DEMO_DIFF = DEMO / "pr.diff"
DEMO_HEAD = DEMO / "head"
CONSOLE_SCRIPT = Path(sys.executable).parent / "panicscan"

FINDING_KEYS = frozenset(
    {
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "fingerprint",
        "suppressed",
        "context",
    }
)
STATS_KEYS = frozenset({"files", "changed_lines", "parse_ms", "total_ms"})


@dataclass(frozen=True)
class Run:
    """What one `panicscan` invocation did."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        document = json.loads(self.out)
        assert isinstance(document, dict)
        return document

    def findings(self) -> list[dict[str, Any]]:
        found = self.json()["findings"]
        assert isinstance(found, list)
        # Test-code findings are kept, marked `suppressed`; these are the reported ones.
        return [f for f in found if not f["suppressed"]]


CliRunner = Callable[..., Run]


def run_console(
    argv: Sequence[str | Path],
    *,
    stdin: bytes = b"",
    cwd: Path = REPO_ROOT,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run the installed `panicscan` console script as a real subprocess (`env` adds vars)."""
    proc = subprocess.run(
        [str(CONSOLE_SCRIPT), *(str(a) for a in argv)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def new_file_diff(path: str, text: str, *, newline: str = "\n") -> str:
    """A git diff that adds `path` with `text` as its whole content."""
    lines = text.splitlines()
    body = "".join(f"+{line}{newline}" for line in lines)
    header = (
        f"diff --git a/{path} b/{path}{newline}"
        f"new file mode 100644{newline}"
        f"--- /dev/null{newline}"
        f"+++ b/{path}{newline}"
        f"@@ -0,0 +1,{len(lines)} @@{newline}"
    )
    return header + body


class GitRepo:
    """A throwaway git repository with a pinned identity and no user/system config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
        }
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            env=self._env,
            timeout=30,
            check=True,
        )
        return proc.stdout.decode().strip()

    def write(self, rel: str, text: str) -> None:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")
