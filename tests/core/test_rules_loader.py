"""The rule loader refuses anything malformed, with a message naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.rules import MAX_RULE_BYTES, parse_rule
from bot.errors import RuleLoadError
from bot.rulefiles import DEFAULT_RULES_DIR, load_rules

GOOD = (DEFAULT_RULES_DIR / "unwrap-used.yml").read_text(encoding="utf-8")


def _with(**changes: object) -> str:
    data = yaml.safe_load(GOOD)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False)


def test_shipped_rule_parses() -> None:
    rule = parse_rule(GOOD, "unwrap-used.yml")
    assert rule.id == "unwrap-used"
    assert rule.code == "PS001"
    assert rule.clippy == ("unwrap_used",)
    assert rule.examples.flag and rule.examples.passes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("id: [unclosed", "invalid YAML", id="bad-yaml"),
        pytest.param("- just\n- a list\n", "top level must be a mapping", id="not-a-mapping"),
        pytest.param(_with(why=None), "missing key: why", id="missing-key"),
        pytest.param(_with(colour="red"), "unknown key(s): colour", id="unknown-key"),
        pytest.param(_with(questions="why?"), "questions: must be a list", id="wrong-type"),
        pytest.param(_with(questions=["only one?"]), "questions: needs 2-3", id="too-few"),
        pytest.param(_with(code="P1"), "code: 'P1' does not match", id="bad-code"),
        pytest.param(_with(id="Unwrap_Used"), "id: 'Unwrap_Used'", id="bad-id"),
        pytest.param(_with(severity="fatal"), "severity: must be one of", id="bad-severity"),
        pytest.param(_with(category="maybe"), "category: must be one of", id="bad-category"),
        pytest.param(_with(status="beta"), "status: must be one of", id="bad-status"),
        pytest.param(_with(query="(call_expression"), "query: invalid", id="bad-query"),
        pytest.param(_with(query="(call_expression) @c"), "needs a @flag", id="no-flag"),
        pytest.param(_with(message="`{nope}` is bad"), "{nope} is not a query", id="bad-field"),
        pytest.param(_with(message="Unwrapped `{expr}`"), "lower-case line", id="capital"),
        pytest.param(_with(examples={"flag": ["x"]}), "examples: must be", id="no-pass"),
        pytest.param(_with(examples={"flag": [], "pass": ["x"]}), "examples.flag", id="empty"),
        pytest.param(_with(match={"magic": 1}), "match: unknown key(s): magic", id="bad-match"),
        pytest.param(_with(clippy=["clippy::unwrap_used"]), "clippy:", id="bad-lint"),
        pytest.param(_with(enabled_by_default="yes please"), "enabled_by_default", id="bad-bool"),
        pytest.param(GOOD + "id: again\n", "duplicate key 'id'", id="duplicate-key"),
        pytest.param(
            _with(questions=["Can {case} happen?", "Why?"]), "only {expr} may", id="prose-field"
        ),
        pytest.param(_with(match={"yield_to": "unwrap-used"}), "yield_to: must be", id="yield"),
        pytest.param(_with(match={"yield_to": ["Bad_Id"]}), "not a rule id", id="yield-id"),
        pytest.param(_with(match={"only_in_items": ["("]}), "bad regex", id="bad-regex"),
        pytest.param(
            _with(match={"phrases": {"case": {"from": "nope", "map": {"a": "b"}}}}),
            "'nope' is not a capture",
            id="phrase-capture",
        ),
        pytest.param(
            _with(match={"phrases": {"case": {"from": "method"}}}), "from and map", id="no-map"
        ),
        pytest.param(
            _with(match={"phrases": {"case": {"from": "method", "map": {"a": 1}}}}),
            "map: must be",
            id="map-type",
        ),
        pytest.param(
            _with(match={"lint_from": {"from": "method", "map": {}}}), "map: must be", id="lint"
        ),
        pytest.param(_with(message="`{expr}` on {nope}"), "{nope} is not a query", id="phrase"),
    ],
)
def test_malformed_rule_is_rejected_naming_file_and_key(text: str, expected: str) -> None:
    with pytest.raises(RuleLoadError) as caught:
        parse_rule(text, "rules/broken.yml")
    message = str(caught.value)
    assert message.startswith("rules/broken.yml: ")
    assert expected in message


def test_oversized_rule_file_is_rejected_before_parsing() -> None:
    text = GOOD + "# " + "x" * MAX_RULE_BYTES + "\n"
    with pytest.raises(RuleLoadError, match="larger than 65536 bytes"):
        parse_rule(text, "big.yml")


def test_yaml_alias_bomb_is_rejected() -> None:
    bomb = "\n".join(
        ["a: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
        + [
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]"
            for i in range(8)
        ]
    )
    with pytest.raises(RuleLoadError, match="anchors and aliases"):
        parse_rule(bomb, "bomb.yml")


def test_yaml_anchor_without_alias_is_rejected() -> None:
    with pytest.raises(RuleLoadError, match="anchors and aliases"):
        parse_rule(GOOD.replace("summary:", "summary: &s", 1), "anchor.yml")


def test_python_object_tag_is_rejected() -> None:
    with pytest.raises(RuleLoadError, match="invalid YAML"):
        parse_rule(GOOD + "x: !!python/object/apply:os.system ['true']\n", "tag.yml")


def test_severity_defaults_from_category_table() -> None:
    rule = parse_rule(_with(severity=None, category="may-panic"), "r.yml")
    assert rule.severity.value == "warning"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_load_rules_rejects_id_that_differs_from_file_name(tmp_path: Path) -> None:
    # File names are unique, so this check is also what keeps ids unique.
    _write(tmp_path, "unwrap-used.yml", GOOD)
    _write(tmp_path, "copy.yml", _with(code="PS099").replace("id: unwrap-used", "id: copy"))
    assert len(load_rules(tmp_path)) == 2
    _write(tmp_path, "again.yml", _with(code="PS098"))
    with pytest.raises(RuleLoadError, match=r"again\.yml: id: 'unwrap-used' must match"):
        load_rules(tmp_path)


def test_load_rules_rejects_duplicate_codes(tmp_path: Path) -> None:
    _write(tmp_path, "unwrap-used.yml", GOOD)
    _write(tmp_path, "unwrap-again.yml", GOOD.replace("id: unwrap-used", "id: unwrap-again"))
    with pytest.raises(RuleLoadError, match="code: PS001 already used"):
        load_rules(tmp_path)


def test_load_rules_rejects_oversized_file_without_reading_it(tmp_path: Path) -> None:
    _write(tmp_path, "huge.yml", "x" * (MAX_RULE_BYTES + 1))
    with pytest.raises(RuleLoadError, match=r"huge\.yml: file is larger"):
        load_rules(tmp_path)


def test_load_rules_rejects_empty_or_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="no rule files"):
        load_rules(tmp_path)
    with pytest.raises(RuleLoadError, match="not found"):
        load_rules(tmp_path / "missing")


def test_default_directory_is_the_repo_rules_folder() -> None:
    assert Path(__file__).resolve().parents[2] / "rules" == DEFAULT_RULES_DIR
    assert {rule.id for rule in load_rules()} >= {"unwrap-used", "index-or-slice"}
