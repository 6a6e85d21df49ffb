"""Read the rule registry from disk: one YAML file per rule in rules/."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import Rule
from bot.core.rules import MAX_RULE_BYTES, parse_rule
from bot.errors import RuleLoadError

# An installed wheel carries the rules in bot/rules/ (setup.py copies them); a checkout
# keeps them in the top-level rules/. The packaged copy wins so that an installed
# panicscan never picks up an unrelated `rules/` folder beside site-packages.
_PACKAGED_RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_RULES_DIR = (
    _PACKAGED_RULES_DIR
    if _PACKAGED_RULES_DIR.is_dir()
    else Path(__file__).resolve().parent.parent / "rules"
)


def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """Load every `*.yml` in `directory` (default: the repo's rules/), sorted by code.

    Ids and codes must be unique and each file must be named after its rule id.
    """
    folder = DEFAULT_RULES_DIR if directory is None else directory
    if not folder.is_dir():
        raise RuleLoadError(f"{folder}: rules directory not found")
    rules: list[Rule] = []
    by_id: dict[str, Path] = {}
    by_code: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yml")):
        try:
            # Refuse huge files before reading them; parse_rule checks the text again.
            if path.stat().st_size > MAX_RULE_BYTES:
                raise RuleLoadError(f"{path}: file is larger than {MAX_RULE_BYTES} bytes")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleLoadError(f"{path}: cannot read rule file: {exc}") from exc
        rule = parse_rule(text, str(path))
        if path.stem != rule.id:
            raise RuleLoadError(f"{path}: id: {rule.id!r} must match the file name")
        if rule.id in by_id:
            raise RuleLoadError(f"{path}: id: {rule.id!r} already used by {by_id[rule.id]}")
        if rule.code in by_code:
            raise RuleLoadError(f"{path}: code: {rule.code} already used by {by_code[rule.code]}")
        by_id[rule.id] = path
        by_code[rule.code] = path
        rules.append(rule)
    if not rules:
        raise RuleLoadError(f"{folder}: no rule files (*.yml) found")
    return tuple(sorted(rules, key=lambda rule: rule.code))
