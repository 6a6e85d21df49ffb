"""A rule's docs page as markdown, built from its YAML (`panicscan rules show`, SARIF help).

One renderer for every place a rule is explained, so the terminal, code scanning and
the docs cannot drift apart. Rule text is written by the project, not by a pull
request, so it is used as markdown as it stands.
"""

from __future__ import annotations

from bot.core.model import Rule


def clippy_names(rule: Rule) -> str:
    """`clippy::a`, `clippy::b` or "-" when Clippy has no equivalent."""
    return ", ".join(f"clippy::{name}" for name in rule.clippy) or "-"


def default_state(rule: Rule) -> str:
    return "enabled" if rule.enabled_by_default else "disabled"


def render_rule_doc(rule: Rule) -> str:
    clippy = ", ".join(f"`clippy::{name}`" for name in rule.clippy) or "none"
    parts = [
        f"# {rule.code} `{rule.id}`",
        "",
        " ".join(rule.summary.split()),
        "",
        f"- severity: **{rule.severity.value}**",
        f"- default: {default_state(rule)}",
        f"- category: {rule.category}; status: {rule.status}",
        f"- Clippy equivalent: {clippy}",
        "",
        "## Why is this bad?",
        "",
        " ".join(rule.why.split()),
        "",
        "## Example",
        "",
        _rust_block(rule.example),
        "",
        "Use instead:",
        "",
        _rust_block(rule.use_instead),
        "",
        "## What a reviewer should ask",
        "",
        *(f"- {_unfilled(q)}" for q in rule.questions),
        "",
        "## Safer alternatives",
        "",
        *(f"- {a}" for a in rule.alternatives),
        "",
        "## Options",
        "",
        " ".join(rule.options.split()),
    ]
    return "\n".join(parts) + "\n"


def _rust_block(code: str) -> str:
    body = code.rstrip("\n")
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}rust\n{body}\n{fence}"


def _unfilled(template: str) -> str:
    # Questions name the flagged code as `{expr}`; on a docs page there is none yet.
    return template.replace("`{expr}`", "this expression").replace("{expr}", "this expression")
