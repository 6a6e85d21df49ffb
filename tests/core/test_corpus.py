"""Each rule's corpus file (tests/corpus/<id>.rs): findings must match the markers exactly.

A marker line `// ^ rule-id rule-id(reason)` names the findings expected on the nearest
line above it that is not a marker; `(reason)` means the finding is kept but marked
suppressed for that reason. Every other line must stay quiet. All rules run, including
those off by default, so each corpus also shows what the others do on its code.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
_MARKER = re.compile(r"^\s*// \^ (.+)$")
_EXPECTED = re.compile(r"([a-z][a-z0-9-]*)(?:\(([a-z-]+)\))?")


def expected_findings(text: str) -> Counter[tuple[int, str, str | None]]:
    expected: Counter[tuple[int, str, str | None]] = Counter()
    code_line = 0
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _MARKER.match(line)
        if marker is None:
            code_line = number
            continue
        for item in marker.group(1).split():
            parsed = _EXPECTED.fullmatch(item)
            assert parsed is not None, f"line {number}: bad marker {item!r}"
            expected[(code_line, parsed.group(1), parsed.group(2))] += 1
    return expected


def test_every_rule_has_a_corpus_file() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.rs")) == sorted(r.id for r in RULES)


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES))
def test_corpus_findings_match_the_markers_exactly(rule_id: str) -> None:
    path = CORPUS / f"{rule_id}.rs"
    text = path.read_text(encoding="utf-8")
    found = analyse_file(f"src/{rule_id}.rs", text.encode(), None, RULES).findings
    actual = Counter((f.line, f.rule, f.suppressed) for f in found)
    expected = expected_findings(text)
    assert actual == expected, (
        f"noisy (unmarked): {sorted((actual - expected).elements())}; "
        f"missing: {sorted((expected - actual).elements())}"
    )
    assert any(rule == rule_id for _, rule, _ in expected), f"{rule_id}: corpus never fires it"


def test_marker_parser_reads_several_findings_and_reasons() -> None:
    text = "x.unwrap(); v[i];\n// ^ unwrap-used index-or-slice(inline)\n"
    assert expected_findings(text) == Counter(
        {(1, "unwrap-used", None): 1, (1, "index-or-slice", "inline"): 1}
    )
