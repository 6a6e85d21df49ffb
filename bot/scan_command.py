"""`panicscan scan`: gathers the diff and head sources from disk or git, runs the core, prints."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from bot.clippyfile import clippy_config_for_scan
from bot.config_command import read_config
from bot.core.diff import parse_unified_diff
from bot.core.globs import path_selected
from bot.core.model import Problem, Rule, ScanResult
from bot.core.repoconfig import RepoConfig, configured_rules
from bot.core.scan import ScanOptions, ScanTarget, scan, targets_from_diff
from bot.errors import InputError
from bot.gitdiff import diff_from_git, head_reader, index_reader, staged_diff
from bot.report.checkrun import blocking
from bot.report.github_report import render_github
from bot.report.json_report import render_json
from bot.report.sarif import render_sarif
from bot.report.text_report import render_text
from bot.rulefiles import load_rules

SKIPPED_DIRS = frozenset({"target", ".git", "node_modules"})


def run_scan(args: argparse.Namespace) -> int:
    loaded = load_rules(args.rules)
    config, config_problems = _config(args, loaded)
    # Every rule, the configured ones on: SARIF lists them all, ignores may name any.
    rules = tuple(configured_rules(loaded, config))
    fail_level = args.fail_level or config.fail_level
    clippy, clippy_problems = clippy_config_for_scan(args)  # clippy.toml at the root
    options = ScanOptions(include_tests=args.include_tests or config.include_tests, clippy=clippy)
    if args.all:
        root = _require_dir(args.root, "--all needs --root DIR")
        found = sorted(_rust_files(root))
        # A name that is not UTF-8 (undecodable bytes) cannot be reported or fingerprinted.
        unnamed = [p for p in found if not _utf8(p)]
        paths = [p for p in found if _utf8(p) and _selected(p, config)]
        targets = [ScanTarget(p, None) for p in paths]
        sources = {p: _read_under(root, p) for p in paths}
        skipped = [
            Problem(p.encode("utf-8", "replace").decode(), "file name is not UTF-8; skipped")
            for p in unnamed
        ]
        result = scan(targets, sources, rules, options, problems=skipped)
    elif args.diff is not None:
        parsed = parse_unified_diff(_read_diff(args.diff))
        targets, problems = targets_from_diff(parsed.files)
        targets = [t for t in targets if _selected(t.path, config)]
        problems = [*parsed.problems, *problems]
        head_root = _require_dir(args.root, "--root must be a directory") if args.root else None
        sources = {t.path: _read_under(head_root, t.path) for t in targets}
        result = scan(targets, sources, rules, options, problems=problems)
    else:
        repo = args.repo
        if args.staged:
            # What `git commit` would record: the index against HEAD, read from the index.
            if args.head is not None:
                raise InputError("--staged scans the index; it cannot take --head")
            raw, read = staged_diff(repo), index_reader(repo)
        else:
            raw, read = diff_from_git(repo, args.base, args.head), head_reader(repo, args.head)
        parsed = parse_unified_diff(raw)
        targets, problems = targets_from_diff(parsed.files)
        targets = [t for t in targets if _selected(t.path, config)]
        problems = [*parsed.problems, *problems]
        sources = {t.path: read(t.path) for t in targets}
        result = scan(targets, sources, rules, options, problems=problems)
    everything = (*config_problems, *clippy_problems, *result.problems)
    result = dataclasses.replace(result, problems=everything)
    _write_stdout(_render(result, args.output_format, rules))
    return _exit_status(result, fail_level)


def _config(args: argparse.Namespace, rules: Sequence[Rule]) -> tuple[RepoConfig, list[Problem]]:
    """--config FILE, loaded as the App loads .github/panicscan.yml: bad parts fall back
    to the defaults and are reported as problems, never fatal."""
    if args.config is None:
        return RepoConfig(), []
    loaded = read_config(args.config, rules)
    return loaded.config, [
        Problem(str(args.config), f"{i.key}: {i.message}") for i in loaded.issues
    ]


def _selected(path: str, config: RepoConfig) -> bool:
    """The config's paths.include/exclude globs."""
    return path_selected(path, config.include, config.exclude)


def _write_stdout(text: str) -> None:
    """Print a report; fall back to UTF-8 bytes when the locale cannot encode it.

    An ASCII or Latin-1 stdout must not turn a finding in `café.rs` into a traceback
    (whose exit status 1 would read as "findings").
    """
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        # TextIOWrapper encodes the whole text before writing, so nothing went out yet.
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()


def _render(result: ScanResult, output_format: str, rules: tuple[Rule, ...]) -> str:
    if output_format == "json":
        return render_json(result)
    if output_format == "sarif":
        return render_sarif(result, rules)
    if output_format == "github":
        return render_github(result)
    return render_text(result)


def _exit_status(result: ScanResult, fail_level: str) -> int:
    return 1 if blocking(result.findings, fail_level) else 0


def _read_diff(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read diff {path}: {exc.strerror or exc}") from exc


def _require_dir(path: Path | None, message: str) -> Path:
    if path is None:
        raise InputError(message)
    if not path.is_dir():
        raise InputError(f"{path}: not a directory")
    return path


def _read_under(root: Path | None, rel: str) -> bytes | None:
    """The head file, or None (partial context) when it is missing or escapes the root."""
    if root is None:
        return None
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        return None
    path = root / Path(*parts)
    # Only regular files: reading a FIFO or device named like a .rs file would block.
    if not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rust_files(root: Path) -> list[str]:
    found: list[str] = []
    for path in root.rglob("*.rs"):
        rel = path.relative_to(root)
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if path.is_file():
            found.append(rel.as_posix())
    return found
