"""Shared set-up for the hostile-world tests: the example PR and a fast retry policy."""

from __future__ import annotations

from pathlib import Path

from bot.github.double_state import PullRequestState
from bot.github.retry import RetryPolicy
from bot.stack import LoopbackStack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo"
# GitHub's retry shape with millisecond waits: tests count requests, never time them.
FAST = RetryPolicy(base_delay=0.001, max_delay=0.01, rate_limit_margin=0.01, writes_per_minute=0)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def open_example(stack: LoopbackStack, repo: str = "edge") -> PullRequestState:
    """The demo PR: six findings on src/features.rs and src/scoring.rs."""
    return stack.double.open_pull_request(
        "acme", repo, base=tree(EXAMPLE / "base"), head=tree(EXAMPLE / "head")
    )


def in_progress(stack: LoopbackStack) -> list[int]:
    return [r.id for r in stack.double.check_runs if r.status != "completed"]
