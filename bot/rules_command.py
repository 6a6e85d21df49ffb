"""`panicscan rules` (the registry as a table) and `panicscan rules show ID` (one docs page)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core.model import Rule
from bot.errors import InputError
from bot.report.ruledoc import clippy_names, default_state, render_rule_doc
from bot.rulefiles import load_rules

# Longest id or code a user may type; anything longer is a mistake, not a lookup.
MAX_RULE_NAME_CHARS = 100


def run_rules(directory: Path | None, subcommand: str | None, name: str | None) -> int:
    rules = load_rules(directory)
    if subcommand == "show" and name is not None:
        sys.stdout.write(render_rule_doc(find_rule(rules, name)))
    else:
        sys.stdout.write(render_table(rules))
    return 0


def render_table(rules: tuple[Rule, ...]) -> str:
    """One line per rule: code, id, severity, default state, Clippy equivalent."""
    width = max(len(rule.id) for rule in rules)
    return "".join(
        f"{r.code}  {r.id:<{width}}  {r.severity.value:<8} {default_state(r):<8} "
        f"{clippy_names(r)}\n"
        for r in rules
    )


def find_rule(rules: tuple[Rule, ...], name: str) -> Rule:
    """The rule whose id or code (case-insensitive) is `name`."""
    wanted = name.strip().lower()
    if not wanted or len(wanted) > MAX_RULE_NAME_CHARS:
        raise InputError(
            "`rules show` needs a rule id such as `unwrap-used` or a code such as `PS001`"
        )
    for rule in rules:
        if wanted in (rule.id.lower(), rule.code.lower()):
            return rule
    known = ", ".join(rule.id for rule in rules)
    shown = name if name.isprintable() else repr(name)
    raise InputError(f"no rule `{shown}`; known rules: {known}")
