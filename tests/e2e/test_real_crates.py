"""Real pull requests (two Debian releases of a crate): the App says what the CLI says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.report.comment import parse_marker
from bot.stack import LoopbackStack

CRATES = Path(__file__).resolve().parents[1] / "fixtures" / "crates"


def _crate(name: str) -> Path:
    case = CRATES / name
    if not (case / "pr.diff").is_file():
        pytest.skip(f"{case} missing: run scripts/fetch-fixtures (needs ../shared/tools)")
    return case


def _cli_findings(case: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    status = main(
        ["scan", "--diff", str(case / "pr.diff"), "--root", str(case / "head"), "--format", "json"]
    )
    assert status in (0, 1)
    document = json.loads(capsys.readouterr().out)
    assert document["problems"] == []
    # The App posts only unsuppressed findings (test code is kept, marked suppressed).
    findings: list[dict[str, object]] = [f for f in document["findings"] if not f["suppressed"]]
    return findings


@pytest.mark.parametrize("crate", ["serde_json", "bytes"])
async def test_app_review_matches_the_cli_scan_on_a_real_crate_diff(
    crate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _crate(crate)
    expected = _cli_findings(case, capsys)
    assert expected, "the real diff should hold findings"

    async with LoopbackStack() as stack:
        pr = stack.double.open_pull_request_from_diff(
            "acme", crate, diff=(case / "pr.diff").read_text(), head_root=case / "head"
        )
        assert (await stack.open_pull_request(pr)).status == 202
        assert await stack.settle(timeout=120)

        posted = []
        for c in stack.double.review_comments:
            m = parse_marker(c.body)
            assert m is not None
            posted.append((c.path, c.line, m.rule, m.fingerprint))
        want = [(f["path"], f["line"], f["rule"], f["fingerprint"]) for f in expected]
        assert sorted(posted) == sorted(want)

        [run] = stack.double.check_runs
        assert run.status == "completed"
        has_error = any(f["severity"] == "error" for f in expected)
        assert run.conclusion == ("failure" if has_error else "success")
        assert sorted((a.path, a.start_line) for a in run.annotations) == sorted(
            (str(f["path"]), int(str(f["line"]))) for f in expected
        )
        # One blob fetch per changed Rust file with findings to look for, no more.
        blob_calls = [r for r in stack.double.requests if "/git/blobs/" in r.path]
        assert len(blob_calls) == len({r.path for r in blob_calls})
