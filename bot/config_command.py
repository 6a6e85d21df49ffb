"""`panicscan config check FILE` and the config part of `panicscan scan --config FILE`:
the same loader the App uses on `.github/panicscan.yml`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bot.core.model import Rule, rule_names
from bot.core.repoconfig import LoadedConfig, load_repo_config
from bot.errors import InputError

EXIT_OK, EXIT_ISSUES = 0, 1


def read_config(path: Path, rules: Sequence[Rule]) -> LoadedConfig:
    """Load a config file; an unreadable file is an InputError (exit 2), a bad one is not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    text = data.decode("utf-8", "replace")
    return load_repo_config([(str(path), text)], known_rules=rule_names(rules))


def run_config_check(path: Path, rules: Sequence[Rule]) -> int:
    """0: valid; 1: problems (each on its own line, defaults used for those parts)."""
    loaded = read_config(path, rules)
    if not loaded.issues:
        print(f"{path}: ok")
        return EXIT_OK
    for issue in loaded.issues:
        print(issue, file=sys.stdout)
    print(f"{path}: {len(loaded.issues)} problem(s); those parts fall back to the defaults")
    return EXIT_ISSUES
