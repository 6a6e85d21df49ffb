"""`panicscan scan | serve | demo | config | rules`: the command-line front end.

Every user error ends in one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot import __version__
from bot.errors import PanicscanError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # `self.prog` is "panicscan" or "panicscan scan": either names a real --help.
        self.exit(EXIT_USAGE, f"panicscan: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="panicscan", description=__doc__)
    parser.add_argument("--version", action="version", version=f"panicscan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan a diff, a git range or a whole tree")
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--diff", type=Path, help="unified diff file ('-' for stdin)")
    source.add_argument("--base", help="base revision; scans `git diff BASE [HEAD]`")
    source.add_argument("--all", action="store_true", help="every line of --root counts")
    source.add_argument(
        "--staged", action="store_true", help="scan what `git commit` would commit (pre-commit)"
    )
    scan.add_argument("--root", type=Path, help="head tree the diff applies to")
    scan.add_argument("--head", help="head revision (default: the working tree)")
    scan.add_argument("--repo", type=Path, default=Path("."), help="git checkout for --base")
    scan.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        dest="output_format",
        help="report format (sarif: SARIF 2.1.0 for GitHub code scanning)",
    )
    scan.add_argument("--include-tests", action="store_true", help="also flag test code")
    scan.add_argument("--rules", type=Path, help="directory of rule YAML files")
    scan.add_argument(
        "--config", type=Path, help="a panicscan.yml (as in .github/panicscan.yml) to apply"
    )
    scan.add_argument(
        "--fail-level",
        choices=("error", "warning", "notice", "never"),
        default=None,
        help="lowest severity that makes the exit status 1 (default: the config's, else error)",
    )

    serve = sub.add_parser("serve", help="run the GitHub App webhook server")
    serve.add_argument("--host", help="override PANICSCAN_HOST")
    serve.add_argument("--port", type=int, help="override PANICSCAN_PORT")
    # Internal: how `serve` starts its review worker processes (PANICSCAN_WORKER_PROCESSES).
    serve.add_argument("--role", choices=("web", "worker"), default="web", help=argparse.SUPPRESS)

    demo = sub.add_parser("demo", help="review an example PR against a local GitHub double")
    demo.add_argument("--diff", type=Path, help="unified diff to review instead of the example")
    demo.add_argument("--root", type=Path, help="head tree for --diff")
    demo.add_argument("--quiet", action="store_true", help="print only the summary lines")

    config = sub.add_parser("config", help="validate a panicscan.yml")
    config_sub = config.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    check = config_sub.add_parser("check", help="validate FILE with the App's own loader")
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument("--rules", type=Path, help="directory of rule YAML files")

    rules = sub.add_parser("rules", help="list the rules, or show one rule's docs page")
    rules.add_argument("--rules", type=Path, help="directory of rule YAML files")
    rules_sub = rules.add_subparsers(dest="rules_command", parser_class=_Parser)
    show = rules_sub.add_parser("show", help="print a rule's docs page (markdown)")
    show.add_argument("rule", metavar="ID", help="rule id (unwrap-used) or code (PS001)")
    # SUPPRESS: `rules --rules DIR show ID` must keep the DIR given before `show`.
    show.add_argument("--rules", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "scan":
            from bot.scan_command import run_scan

            return run_scan(args)
        if args.command == "serve":
            from bot.service.serve import serve

            return serve(host=args.host, port=args.port, role=args.role)
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(diff=args.diff, root=args.root, quiet=args.quiet)
        if args.command == "config":
            from bot.config_command import run_config_check
            from bot.rulefiles import load_rules

            return run_config_check(args.file, load_rules(args.rules))
        if args.command == "rules":
            from bot.rules_command import run_rules

            return run_rules(args.rules, args.rules_command, getattr(args, "rule", None))
    except PanicscanError as exc:
        print(f"panicscan: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`panicscan demo | head`): not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLEAN
    return EXIT_USAGE


def _one_line(message: str) -> str:
    # The contract is one line on stderr; some messages (PyYAML's) carry several.
    lines = (line.strip() for line in message.splitlines())
    return " ".join(line for line in lines if line) or "error"


if __name__ == "__main__":
    sys.exit(main())
