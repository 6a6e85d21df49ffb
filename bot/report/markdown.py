"""Markdown escaping for text we do not control (paths, code, identifiers).

GitHub renders comment bodies as markdown with HTML, mentions and autolinks, so
anything taken from the pull request is put in code spans or escaped.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>@~&])")


def code_span(text: str) -> str:
    """Wrap text in a backtick code span that its own backticks cannot close."""
    flat = " ".join(text.split())
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def escape_text(text: str) -> str:
    """Escape markdown and HTML metacharacters in plain prose."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_inline(template_output: str) -> str:
    """Messages come from rule templates with code already in backticks; keep them one line."""
    return " ".join(template_output.split())
