"""`panicscan demo`: a whole review on loopback, printed the way a reviewer would see it.

It starts the local GitHub double and the real bot server, opens a pull request in
the double (the shipped example, or any `--diff` + `--root`), delivers a signed
`pull_request.opened` webhook, waits for the job and prints the review and check run.
"""

from __future__ import annotations

import asyncio
import logging
import textwrap
from collections import Counter
from pathlib import Path

from bot.core.diff import parse_unified_diff
from bot.errors import InputError
from bot.github.double_state import PullRequestState
from bot.report.comment import parse_marker
from bot.stack import LoopbackStack

# A wheel carries the example in bot/examples/demo (setup.py copies it); a checkout
# keeps it in the top-level examples/demo.
_PACKAGED_EXAMPLE = Path(__file__).resolve().parent / "examples" / "demo"
EXAMPLE = (
    _PACKAGED_EXAMPLE
    if _PACKAGED_EXAMPLE.is_dir()
    else Path(__file__).resolve().parent.parent / "examples" / "demo"
)
RULE = "─" * 78


def run_demo(*, diff: Path | None, root: Path | None, quiet: bool = False) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if (diff is None) != (root is None):
        raise InputError("demo takes --diff and --root together")
    if diff is not None and root is not None:
        _check_inputs(diff, root)
    return asyncio.run(_demo(diff, root, quiet))


def _check_inputs(diff: Path, root: Path) -> None:
    """The same checks `panicscan scan` makes, before anything is started."""
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    try:
        data = diff.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read diff {diff}: {exc.strerror or exc}") from exc
    if not parse_unified_diff(data).files:  # raises InputError for a non-diff
        raise InputError(f"{diff}: the diff changes no file")


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _open(stack: LoopbackStack, diff: Path | None, root: Path | None) -> PullRequestState:
    if diff is None or root is None:
        return stack.double.open_pull_request(
            "acme",
            "edge-features",
            base=_read_tree(EXAMPLE / "base"),
            head=_read_tree(EXAMPLE / "head"),
            title="Reload the feature file when the control plane pushes a new one",
            author="dev-on-call",
        )
    try:
        text = diff.read_text(encoding="utf-8", errors="replace")
        return stack.double.open_pull_request_from_diff(
            "acme",
            _repo_name(root),
            diff=text,
            head_root=root,
            title=f"Changes from {diff.name}",
        )
    except OSError as exc:
        raise InputError(f"cannot open the demo PR from {diff} and {root}: {exc}") from exc


def _repo_name(root: Path) -> str:
    """`memchr` for `/tmp/memchr/head`: a tree named head is named after its parent."""
    resolved = root.resolve()
    name = resolved.parent.name if resolved.name in ("head", "HEAD") else resolved.name
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name) or "crate"


async def _demo(diff: Path | None, root: Path | None, quiet: bool) -> int:
    async with LoopbackStack() as stack:
        pr = _open(stack, diff, root)
        added = sum(f.additions for f in pr.files)
        print(f"GitHub double: {stack.github_url}   bot: {stack.bot_url}")
        print(
            f"Opened {pr.owner}/{pr.repo}#{pr.number} {pr.title!r}: "
            f"{len(pr.files)} file(s), +{added} line(s), head {pr.head_sha[:7]}"
        )
        delivery = await stack.open_pull_request(pr)
        print(f"Delivered signed pull_request.opened → HTTP {delivery.status}")
        if delivery.status != 202:
            print(f"panicscan demo: the bot refused the delivery: {delivery.body}")
            return 1
        if not await stack.settle(timeout=300):
            print("panicscan demo: the review did not finish within 300 s")
            return 1
        return _print_outcome(stack, pr, quiet)


def _print_outcome(stack: LoopbackStack, pr: PullRequestState, quiet: bool) -> int:
    double = stack.double
    comments = [c for c in double.review_comments if c.number == pr.number]
    reviews = [r for r in double.reviews if r.number == pr.number]
    runs = [r for r in double.check_runs if r.head_sha == pr.head_sha]
    print()
    print(RULE)
    if reviews:
        review = reviews[-1]
        print(f"Review by {review.user} ({review.state}), {len(comments)} inline comment(s)")
        print(textwrap.indent(review.body, "  "))
    else:
        print("No review posted (nothing to comment on).")
    for c in sorted(comments, key=lambda c: (c.path, c.line or 0)):
        marker = parse_marker(c.body)
        headline = next((ln for ln in c.body.splitlines()[1:] if ln.strip()), "")
        if quiet:
            print(f"{c.path}:{c.line}  {marker.rule if marker else '?'}  {headline[:90]}")
            continue
        print(RULE)
        print(f"{c.path}:{c.line}")
        if not quiet:
            visible = c.body.split("<!--")[0].rstrip()
            print(textwrap.indent(visible, "  │ ", lambda _line: True))
    print(RULE)
    if not runs:
        print("panicscan demo: no check run was created")
        return 1
    run = runs[-1]
    print(f"Check run {run.name!r}: {run.status}, conclusion: {run.conclusion}")
    print(f"  {run.title}")
    if run.summary and not quiet:
        print(textwrap.indent(run.summary, "  "))
    print(f"  {len(run.annotations)} annotation(s)")
    print(RULE)
    calls = Counter(f"{r.method} {r.route}" for r in double.requests)
    print(f"GitHub API calls: {sum(calls.values())}")
    for call, n in sorted(calls.items()):
        print(f"  {n:4d}  {call}")
    if run.status != "completed":
        print("panicscan demo: the check run was left unfinished")
        return 1
    return 0
