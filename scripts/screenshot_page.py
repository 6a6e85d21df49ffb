"""Render what a reviewer sees (a real inline comment + the check run) as a GitHub-like page.

Runs the demo machinery (bot/stack.py: the GitHub double and the real bot on loopback),
takes the first inline comment and the check run the bot actually posted, and lays
them out as HTML styled after GitHub's pull request page. With `--png`, headless
Chromium captures the page (scripts/screenshot installs Chromium when it is missing).

    .venv/bin/python scripts/screenshot_page.py --html out.html [--png docs/img/review.png]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from bot.demo import EXAMPLE
from bot.github.double_state import CheckRunState, ReviewCommentState
from bot.stack import LoopbackStack

WINDOW = (1100, 1340)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_TIMEOUT_S = 120
# Flags for a quiet, offline, throwaway browser: nothing may reach the network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


@dataclass(frozen=True)
class Review:
    title: str
    number: int
    author: str
    comment: ReviewCommentState
    check: CheckRunState


async def collect_review() -> Review:
    """Open the example PR in the double, let the real bot review it, return what it posted."""
    async with LoopbackStack() as stack:
        pr = stack.double.open_pull_request(
            "acme",
            "edge-features",
            base=_tree(EXAMPLE / "base"),
            head=_tree(EXAMPLE / "head"),
            title="Reload the feature file when the control plane pushes a new one",
            author="dev-on-call",
        )
        delivery = await stack.open_pull_request(pr)
        if delivery.status != 202 or not await stack.settle(timeout=120):
            raise RuntimeError(f"the demo review did not complete (HTTP {delivery.status})")
        comments = sorted(
            (c for c in stack.double.review_comments if c.number == pr.number),
            key=lambda c: (c.path, c.line or 0),
        )
        runs = [r for r in stack.double.check_runs if r.head_sha == pr.head_sha]
        if not comments or not runs:
            raise RuntimeError("the demo review posted no inline comment or no check run")
        return Review(pr.title, pr.number, pr.author, comments[0], runs[-1])


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def render_markdown(text: str) -> str:
    # GitHub renders comment bodies as CommonMark + tables with (sanitised) HTML such as
    # <details>; the bodies here are the bot's own, with PR text already in code spans.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def render_page(review: Review) -> str:
    c, run = review.comment, review.check
    conclusion = run.conclusion or run.status
    return PAGE.format(
        title=html.escape(review.title),
        number=review.number,
        author=html.escape(review.author),
        path=html.escape(c.path),
        hunk=_hunk_rows(c.diff_hunk, c.line or 0),
        user=html.escape(c.user),
        body=render_markdown(c.body),
        check_name=html.escape(run.name),
        conclusion=html.escape(conclusion),
        conclusion_class="fail" if conclusion == "failure" else "ok",
        check_title=html.escape(run.title or ""),
        check_summary=render_markdown(run.summary or ""),
        css=CSS,
    )


def _hunk_rows(hunk: str, comment_line: int) -> str:
    """The diff hunk GitHub shows above a comment: its last lines, numbered on the head side."""
    lines = hunk.splitlines()
    if not lines:
        return ""
    head_line = _head_start(lines[0])
    rows: list[tuple[str, int | None, str]] = []
    for line in lines[1:]:
        kind = line[:1]
        if kind == "-":
            rows.append(("del", None, line[1:]))
            continue
        rows.append(("add" if kind == "+" else "ctx", head_line, line[1:]))
        head_line += 1
    shown = [r for r in rows if r[1] is None or r[1] <= comment_line][-6:]
    return "\n".join(
        f'<tr class="{kind}"><td class="num">{"" if n is None else n}</td>'
        f'<td class="sign">{"+" if kind == "add" else "-" if kind == "del" else " "}</td>'
        f'<td class="code">{html.escape(text)}</td></tr>'
        for kind, n, text in shown
    )


def _head_start(header: str) -> int:
    # "@@ -a,b +c,d @@ ...": c is the first head-side line.
    try:
        plus = header.split("+", 1)[1].split(" ", 1)[0]
        return int(plus.split(",", 1)[0])
    except (IndexError, ValueError):
        return 1


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def capture(page: Path, png: Path, chromium: str, window: tuple[int, int] = WINDOW) -> None:
    """Screenshot `page` with headless Chromium in a fresh, empty profile."""
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="panicscan-chromium-") as profile:
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png.resolve()}",
            f"--window-size={window[0]},{window[1]}",
            page.resolve().as_uri(),
        ]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S, check=False
        )
    if proc.returncode != 0 or not png.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"chromium failed ({proc.returncode}): {' | '.join(tail)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--html", type=Path, required=True, help="where to write the page")
    parser.add_argument("--png", type=Path, help="also capture the page with Chromium")
    args = parser.parse_args(argv)
    review = asyncio.run(collect_review())
    args.html.parent.mkdir(parents=True, exist_ok=True)
    args.html.write_text(render_page(review), encoding="utf-8")
    if args.png is not None:
        chromium = find_chromium()
        if chromium is None:
            print("screenshot: chromium is not installed", file=sys.stderr)
            return 2
        capture(args.html, args.png, chromium)
        print(f"wrote {args.png}")
    return 0


CSS = """
body { margin: 0; background: #fff; color: #1f2328;
  font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1012px; margin: 0 auto; padding: 24px 16px; }
h1 { font-size: 26px; font-weight: 400; margin: 0 0 8px; }
h1 .num { color: #59636e; }
.meta { color: #59636e; padding-bottom: 16px; border-bottom: 1px solid #d1d9e0; }
.state { display: inline-block; background: #1f883d; color: #fff; border-radius: 2em;
  padding: 4px 12px; font-weight: 500; margin-right: 8px; }
.file { border: 1px solid #d1d9e0; border-radius: 6px; margin-top: 24px; overflow: hidden; }
.file-header { background: #f6f8fa; padding: 8px 16px; border-bottom: 1px solid #d1d9e0;
  font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.diff { border-collapse: collapse; width: 100%;
  font: 12px/20px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.diff td { padding: 0 8px; white-space: pre; }
td.num { color: #59636e; text-align: right; width: 1%; min-width: 40px; }
td.sign { width: 1%; }
tr.add { background: #dafbe1; } tr.add td.num { background: #aceebb; }
tr.del { background: #ffebe9; } tr.del td.num { background: #ffcecb; }
.thread { border-top: 1px solid #d1d9e0; background: #f6f8fa; padding: 12px 16px; }
.comment { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment-header { padding: 8px 16px; border-bottom: 1px solid #d1d9e0; background: #f6f8fa;
  border-radius: 6px 6px 0 0; color: #59636e; }
.comment-header b { color: #1f2328; }
.bot { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px; font-size: 12px; }
.avatar { display: inline-block; width: 20px; height: 20px; border-radius: 4px;
  background: #fb8500; vertical-align: middle; margin-right: 6px; }
.markdown { padding: 8px 16px; }
.markdown code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.markdown pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; }
.markdown pre code { background: none; padding: 0; }
.markdown table { border-collapse: collapse; margin-bottom: 16px; }
.markdown th, .markdown td { border: 1px solid #d1d9e0; padding: 6px 13px; }
.checks { border: 1px solid #d1d9e0; border-radius: 6px; margin-top: 24px; }
.checks-header { padding: 12px 16px; border-bottom: 1px solid #d1d9e0; }
.checks-header .fail { color: #d1242f; font-weight: 600; }
.checks-header .ok { color: #1a7f37; font-weight: 600; }
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{css}</style></head>
<body><main>
<h1>{title} <span class="num">#{number}</span></h1>
<div class="meta"><span class="state">Open</span><b>{author}</b> wants to merge into
<code>main</code></div>
<div class="file">
  <div class="file-header">{path}</div>
  <table class="diff">{hunk}</table>
  <div class="thread"><div class="comment">
    <div class="comment-header"><span class="avatar"></span><b>{user}</b>
      <span class="bot">bot</span> commented</div>
    <div class="markdown">{body}</div>
  </div></div>
</div>
<div class="checks">
  <div class="checks-header"><b>{check_name}</b> —
    <span class="{conclusion_class}">{conclusion}</span> · {check_title}</div>
  <div class="markdown">{check_summary}</div>
</div>
</main></body></html>
"""

if __name__ == "__main__":
    sys.exit(main())
