"""Find and read a repository's clippy.toml (or .clippy.toml) at its root."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from bot.core.clippy_config import (
    DEFAULT_CLIPPY_CONFIG,
    MAX_CLIPPY_TOML_BYTES,
    ClippyConfig,
    parse_clippy_toml,
)
from bot.core.model import Problem
from bot.errors import InputError
from bot.gitdiff import head_reader

log = logging.getLogger(__name__)

# Clippy's own lookup order: clippy.toml wins over .clippy.toml.
CLIPPY_FILES = ("clippy.toml", ".clippy.toml")


def clippy_config_from(read: Callable[[str], bytes | None]) -> tuple[ClippyConfig, list[Problem]]:
    """The config from the first clippy file `read` (repo-relative path -> bytes) finds."""
    for name in CLIPPY_FILES:
        data = read(name)
        if data is None:
            continue
        if len(data) > MAX_CLIPPY_TOML_BYTES:
            return DEFAULT_CLIPPY_CONFIG, [Problem(name, "clippy config too large; ignored")]
        config, problems = parse_clippy_toml(data.decode("utf-8", "replace"), name)
        return config, [Problem(name, message) for message in problems]
    return DEFAULT_CLIPPY_CONFIG, []


def clippy_config_for_scan(args: argparse.Namespace) -> tuple[ClippyConfig, list[Problem]]:
    """`panicscan scan`: read from --root, else (for --base) from the git head."""
    root: Path | None = getattr(args, "root", None)
    if root is not None:
        return clippy_config_from(lambda name: _read_file(root / name))
    if getattr(args, "diff", None) is None and not getattr(args, "all", False):
        try:
            return clippy_config_from(head_reader(args.repo, args.head))
        except InputError as exc:
            # The scan itself reports an unusable checkout; the config is not worth a 2nd error.
            log.debug("no clippy config from git: %s", exc)
    return DEFAULT_CLIPPY_CONFIG, []


def _read_file(path: Path) -> bytes | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_CLIPPY_TOML_BYTES + 1)
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return None
