"""The README's settings table names every variable Settings.from_env reads, and no other.

bot/service/settings.py is the source; the table is written by hand, so this test is
what keeps the two from drifting apart.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from bot.service import settings

README = Path(__file__).resolve().parents[2] / "README.md"
_VARIABLE = re.compile(r"`((?:PANICSCAN_)?[A-Z][A-Z0-9_]*URL|PANICSCAN_[A-Z0-9_]+)`")


def read_by_settings() -> set[str]:
    source = inspect.getsource(settings)
    found = set(re.findall(r'"(PANICSCAN_[A-Z0-9_]+)"', source))
    assert '"DATABASE_URL"' in source  # the hosting platforms' spelling, read as a fallback
    return found | {"DATABASE_URL"}


def documented() -> set[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("### Settings", 1)[1].split("\n\n| variable |", 1)[1]
    rows = [line for line in table.split("\n\n", 1)[0].splitlines() if line.startswith("| `")]
    return {name for row in rows for name in _VARIABLE.findall(row.split(" | ", 1)[0])}


def test_the_readme_table_documents_exactly_the_settings_read() -> None:
    assert documented() == read_by_settings()
