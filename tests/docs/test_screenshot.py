"""scripts/screenshot: the review page renders from a real demo review; Chromium captures it.

The HTML part always runs. The capture runs where Chromium is installed; under CI=true
it always runs (scripts/screenshot installs Chromium from Debian when it is missing).
"""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _page_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "screenshot_page", ROOT / "scripts" / "screenshot_page.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["screenshot_page"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


page = _page_module()


@pytest.fixture(scope="module")
def review() -> object:
    import asyncio

    return asyncio.run(page.collect_review())


def test_page_shows_the_bot_comment_the_hunk_and_the_check_run(review: object) -> None:
    html = page.render_page(review)

    assert "panicscan[bot]" in html
    assert "<code>load_features(path)</code> is unwrapped" in html
    assert "src/features.rs" in html
    assert '<tr class="add"><td class="num">67</td>' in html
    assert "<details>" in html  # the rationale stays folded, as on GitHub
    assert 'class="fail">failure</span>' in html
    assert "<table>" in html  # the check summary's tables render as tables
    # The hidden marker stays an HTML comment, never visible text.
    assert "<!-- panicscan:v1 fp=" in html
    assert "&lt;!-- panicscan" not in html


def test_markdown_renderer_escapes_text_outside_code_and_html() -> None:
    rendered = page.render_markdown("a <script>x</script> `<b>` & b")

    assert "<code>&lt;b&gt;</code>" in rendered
    assert "&amp; b" in rendered


@pytest.mark.parametrize(
    "hunk",
    ["", "not a header", "@@ -1 +x @@\n+a", "@@ -1,2 +1,2 @@\n-a\n+b\n c"],
    ids=["empty", "no-header", "bad-numbers", "mixed"],
)
def test_hunk_rows_survive_malformed_hunks(hunk: str) -> None:
    rows = page._hunk_rows(hunk, 2)

    assert isinstance(rows, str)


def test_oversized_hunk_shows_only_the_last_lines_before_the_comment() -> None:
    hunk = "@@ -0,0 +1,5000 @@\n" + "".join(f"+line {n}\n" for n in range(1, 5001))

    rows = page._hunk_rows(hunk, 4000)

    assert rows.count("<tr") == 6
    assert "line 4000" in rows
    assert "line 4001" not in rows


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot_script_captures_a_png(tmp_path: Path) -> None:
    if page.find_chromium() is None and os.environ.get("CI") != "true":
        pytest.skip("chromium is not installed (scripts/screenshot installs it; CI must run this)")
    out = tmp_path / "review.png"

    proc = subprocess.run(
        [str(ROOT / "scripts" / "screenshot"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _png_size(out.read_bytes()) == page.WINDOW
    # A blank page compresses to almost nothing; a rendered review does not.
    assert out.stat().st_size > 20_000
