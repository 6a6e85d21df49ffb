"""docs/rules/<id>.md are generated from the YAML and must be up to date."""

from __future__ import annotations

from bot.rule_docs import DOCS_DIR, expected_pages, main
from bot.rulefiles import load_rules


def test_checked_in_rule_pages_match_the_yaml() -> None:
    pages = expected_pages(load_rules())
    for name, text in pages.items():
        path = DOCS_DIR / name
        assert path.is_file(), f"missing docs/rules/{name}: run python -m bot.rule_docs"
        assert path.read_text(encoding="utf-8") == text, (
            f"stale docs/rules/{name}: run python -m bot.rule_docs"
        )
    assert sorted(p.name for p in DOCS_DIR.glob("*.md")) == sorted(pages)


def test_check_mode_passes_on_the_checked_in_pages() -> None:
    assert main(["--check"]) == 0


def test_page_explains_how_to_suppress_with_the_rules_clippy_lint() -> None:
    page = expected_pages(load_rules())["unwrap-used.md"]
    assert "`// panicscan:ignore[unwrap-used] reason`" in page
    assert "`#[allow(clippy::unwrap_used)]`" in page
    assert "## Why it matters" in page
