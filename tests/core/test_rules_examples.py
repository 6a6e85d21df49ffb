"""Every rule's own examples: `flag` snippets must fire the rule, `pass` snippets must not."""

from __future__ import annotations

import pytest

from bot.core.model import Rule
from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()


def _cases() -> list[object]:
    cases: list[object] = []
    for rule in RULES:
        for index, snippet in enumerate(rule.examples.flag):
            cases.append(pytest.param(rule, snippet, True, id=f"{rule.id}-flag-{index}"))
        for index, snippet in enumerate(rule.examples.passes):
            cases.append(pytest.param(rule, snippet, False, id=f"{rule.id}-pass-{index}"))
    return cases


def _findings_of(rule: Rule, snippet: str) -> list[str]:
    # Examples are statement-level snippets; items are legal inside a fn body too.
    source = f"fn __example() {{\n{snippet}\n}}\n".encode()
    analysis = analyse_file("src/example.rs", source, None, RULES)
    return [f"{f.line}:{f.column} {f.message}" for f in analysis.findings if f.rule == rule.id]


@pytest.mark.parametrize(("rule", "snippet", "should_flag"), _cases())
def test_rule_example_is_flagged_or_passes_as_documented(
    rule: Rule, snippet: str, should_flag: bool
) -> None:
    found = _findings_of(rule, snippet)
    if should_flag:
        assert found, f"missing: {rule.id} did not flag {snippet!r}"
    else:
        assert not found, f"noisy: {rule.id} flagged {snippet!r}: {found}"


def test_registry_has_the_full_rule_set_with_their_severities() -> None:
    by_id = {rule.id: rule for rule in RULES}
    assert {rid: str(rule.severity) for rid, rule in by_id.items()} == {
        "unwrap-used": "error",
        "expect-used": "error",
        "panic-macro": "error",
        "index-or-slice": "warning",
        "unfinished-code": "error",
        "string-slice": "warning",
        "assert-in-production": "notice",
        "unwrap-unchecked": "error",
        "process-exit": "warning",
        "panic-in-drop": "error",
        "unwrap-on-lookup": "error",
        "map-key-index": "warning",
        "refcell-borrow": "warning",
        "integer-division": "warning",
        "invalid-ignore": "warning",
    }
    # Codes are never reused: a removed rule keeps its number (status: deprecated).
    assert [rule.code for rule in RULES] == [f"PS{n:03d}" for n in range(1, 16)]


def test_only_refcell_borrow_and_integer_division_are_off_by_default() -> None:
    assert sorted(r.id for r in RULES if not r.enabled_by_default) == [
        "integer-division",
        "refcell-borrow",
    ]


def test_unwrap_unchecked_is_the_undefined_behaviour_category() -> None:
    by_id = {rule.id: rule for rule in RULES}
    assert by_id["unwrap-unchecked"].category == "undefined-behaviour"


def test_every_rule_has_the_documentation_keys_filled() -> None:
    for rule in RULES:
        for key in ("summary", "why", "example", "use_instead", "options", "message"):
            assert getattr(rule, key).strip(), f"{rule.id}: {key} is empty"
        assert 2 <= len(rule.questions) <= 3, rule.id
        assert rule.alternatives, rule.id


def test_rule_doc_examples_are_flagged_and_use_instead_is_clean() -> None:
    for rule in RULES:
        assert _findings_of(rule, rule.example), f"{rule.id}: `example` is not flagged"
        assert not _findings_of(rule, rule.use_instead), f"{rule.id}: `use_instead` is flagged"
