"""Get diffs and file contents out of a local git checkout (for `panicscan scan --base`).

This runs `git`, so it lives outside `core/`; the bytes it returns go to
`bot.core.diff.parse_unified_diff`. Every git failure becomes a one-line InputError.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.errors import InputError

log = logging.getLogger(__name__)

_GIT_TIMEOUT_S = 120
# Pin the settings a user's git config could change, so the diff reads the same everywhere.
_DIFF_FLAGS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--unified=3",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)
_CONFIG = ("-c", "core.quotePath=true", "-c", "diff.noprefix=false")

HeadReader = Callable[[str], bytes | None]


def _run(repo_dir: Path, args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    cmd = ["git", *_CONFIG, "-C", str(repo_dir), *args]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=_GIT_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise InputError("`git` is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"`git {args[0]}` took longer than {_GIT_TIMEOUT_S} s") from exc


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "no message"


def _check_checkout(repo_dir: Path) -> None:
    if not repo_dir.is_dir():
        raise InputError(f"`{repo_dir}` is not a directory")
    proc = _run(repo_dir, ["rev-parse", "--git-dir"])
    if proc.returncode != 0:
        raise InputError(f"`{repo_dir}` is not a git checkout")


def _check_rev(repo_dir: Path, rev: str) -> None:
    # A rev starting with `-` would be read as an option by git.
    if not rev or rev.startswith("-"):
        raise InputError(f"unknown revision `{rev}`")
    proc = _run(
        repo_dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"]
    )
    if proc.returncode != 0:
        raise InputError(f"unknown revision `{rev}` in `{repo_dir}`")


def diff_from_git(repo_dir: Path, base: str, head: str | None, *, staged: bool = False) -> bytes:
    """`git diff base [head]`; head None compares the working tree (or, staged, the index).

    Untracked files are not part of a git diff and so are not included.
    """
    if staged and head is not None:
        raise InputError("`staged` compares the index with `base`; it cannot take a `head` too")
    _check_checkout(repo_dir)
    revs = [base] if head is None else [base, head]
    for rev in revs:
        _check_rev(repo_dir, rev)
    args = ["diff", *_DIFF_FLAGS, *(["--cached"] if staged else []), *revs, "--"]
    proc = _run(repo_dir, args)
    if proc.returncode != 0:
        raise InputError(f"`git diff` failed: {_first_line(proc.stderr)}")
    return proc.stdout


def staged_diff(repo_dir: Path) -> bytes:
    """`git diff --cached`: what `git commit` would record (all of the index on an unborn HEAD)."""
    _check_checkout(repo_dir)
    proc = _run(repo_dir, ["diff", *_DIFF_FLAGS, "--cached", "--"])
    if proc.returncode != 0:
        raise InputError(f"`git diff --cached` failed: {_first_line(proc.stderr)}")
    return proc.stdout


def index_reader(repo_dir: Path) -> HeadReader:
    """A function path -> staged bytes (None if not in the index): the head side of --staged."""
    _check_checkout(repo_dir)
    # `:path` names the stage-0 blob of a repository-relative path in the index.
    return lambda path: _cat_blob(repo_dir, "", path)


def read_blob_at(repo_dir: Path, rev: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to the repository root) at `rev`; None if it has none."""
    _check_checkout(repo_dir)
    _check_rev(repo_dir, rev)
    return _cat_blob(repo_dir, rev, path)


def _cat_blob(repo_dir: Path, rev: str, path: str) -> bytes | None:
    proc = _run(repo_dir, ["cat-file", "blob", f"{rev}:{path}"])
    if proc.returncode != 0:
        # Missing path, a directory or a submodule: no blob to read.
        log.debug("no blob for %s at %s: %s", path, rev, _first_line(proc.stderr))
        return None
    return proc.stdout


def head_reader(repo_dir: Path, head: str | None) -> HeadReader:
    """A function path -> head-side bytes (None if absent); head None reads the working tree."""
    _check_checkout(repo_dir)
    if head is not None:
        _check_rev(repo_dir, head)
        return lambda path: _cat_blob(repo_dir, head, path)
    proc = _run(repo_dir, ["rev-parse", "--show-toplevel"])
    if proc.returncode != 0:
        raise InputError(f"`{repo_dir}` has no working tree: {_first_line(proc.stderr)}")
    root = Path(proc.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    return lambda path: _read_worktree(root, path)


def _read_worktree(root: Path, path: str) -> bytes | None:
    target = (root / path).resolve()
    # Diff paths are repository-relative; never follow one out of the checkout.
    if not target.is_relative_to(root) or not target.is_file():
        return None
    try:
        return target.read_bytes()
    except OSError as exc:
        log.warning("cannot read %s: %s", target, exc)
        return None
