"""`.github/panicscan.yml`: good configs apply, bad parts fall back and are reported."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.globs import path_selected
from bot.core.model import Severity
from bot.core.repoconfig import DEFAULTS, DraftPolicy, RuleOverride, load_repo_config

RULES = ("unwrap-used", "expect-used", "panic-macro", "index-or-slice")


def _load(*texts: str):  # type: ignore[no-untyped-def]
    layers = [(f"layer{i}", t) for i, t in enumerate(texts)]
    return load_repo_config(layers, known_rules=RULES)


def test_no_config_at_all_is_the_defaults_without_issues() -> None:
    loaded = _load()
    assert loaded.config == DEFAULTS and loaded.issues == ()
    assert _load("").config == DEFAULTS


def test_a_full_valid_config_is_applied() -> None:
    loaded = _load(
        """
enabled: true
fail_level: warning
rules:
  unwrap-used: warning
  index-or-slice: off
  panic-macro: {enabled: true, severity: notice}
paths:
  include: ["src/**"]
  exclude: ["src/generated/**", "vendor"]
tests: include
drafts: full
comments: {budget: 10}
waivers: {min_permission: maintain, author_may_waive: false, reason_required: false}
"""
    )
    assert loaded.issues == ()
    c = loaded.config
    assert c.fail_level == "warning"
    assert c.rules["unwrap-used"] == RuleOverride(True, Severity.WARNING)
    assert c.rules["index-or-slice"] == RuleOverride(enabled=False)
    assert c.rules["panic-macro"] == RuleOverride(True, Severity.NOTICE)
    assert (c.include, c.exclude) == (("src/**",), ("src/generated/**", "vendor"))
    assert c.include_tests and c.drafts is DraftPolicy.FULL and c.comment_budget == 10
    assert (c.waive_min_permission, c.author_may_waive, c.reason_required) == (
        "maintain",
        False,
        False,
    )


def test_malformed_yaml_falls_back_to_defaults_and_says_so() -> None:
    loaded = _load("rules: [unclosed\n  fail_level: : :")
    assert loaded.config == DEFAULTS
    [issue] = loaded.issues
    assert "invalid YAML" in issue.message and "using defaults" in issue.message


def test_wrong_types_and_unknown_keys_fall_back_per_key() -> None:
    loaded = _load(
        "fail_level: sometimes\ncomments: {budget: -3, colour: red}\nrules: {nope: off}\n"
        "enabled: 'yes'\nwhatever: 1\npaths: {include: 5}\n"
    )
    c = loaded.config
    assert (c.fail_level, c.comment_budget, c.enabled, c.include) == ("error", 25, True, ())
    keys = sorted(i.key for i in loaded.issues)
    assert keys == [
        "comments.budget",
        "comments.colour",
        "enabled",
        "fail_level",
        "paths.include",
        "rules.nope",
        "whatever",
    ]
    assert all(str(i).startswith("layer0: ") for i in loaded.issues)


def test_oversized_aliased_and_deep_configs_are_refused_within_limits() -> None:
    huge = "rules:\n" + "  unwrap-used: warning\n" * 5000
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'
    deep = "a: " + "[" * 200 + "]" * 200
    for text, reason in ((huge, "larger than"), (bomb, "aliases"), (deep, "nested deeper")):
        loaded = _load(text)
        assert loaded.config == DEFAULTS
        assert reason in loaded.issues[0].message


def test_more_rules_than_exist_is_refused() -> None:
    text = "rules:\n" + "".join(f"  r{i}: off\n" for i in range(10))
    loaded = _load(text)
    assert loaded.config.rules == {}
    assert "only 4 exist" in loaded.issues[0].message


def test_repo_layer_deep_merges_over_the_org_layer() -> None:
    org = "fail_level: warning\nrules: {unwrap-used: notice}\nwaivers: {min_permission: admin}\n"
    repo = "rules: {expect-used: off}\nwaivers: {reason_required: false}\n"
    c = _load(org, repo).config
    assert c.fail_level == "warning"
    assert set(c.rules) == {"unwrap-used", "expect-used"}
    assert (c.waive_min_permission, c.reason_required) == ("admin", False)


def test_a_broken_repo_layer_keeps_the_org_layer() -> None:
    loaded = _load("fail_level: notice\n", "- just\n- a list\n")
    assert loaded.config.fail_level == "notice"
    assert "top level must be a mapping" in loaded.issues[0].message


def test_globs_cross_folders_only_with_double_star() -> None:
    assert path_selected("src/a/b.rs", ("src/**",), ())
    assert not path_selected("lib/a.rs", ("src/**",), ())
    assert path_selected("src/a.rs", ("src/*.rs",), ())
    assert not path_selected("src/a/b.rs", ("src/*.rs",), ())
    assert not path_selected("vendor/x/y.rs", (), ("vendor",))
    assert not path_selected("a/gen/b.rs", (), ("**/gen/**",))
    assert path_selected("anything.rs", (), ())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_loads_without_raising(text: str) -> None:
    loaded = _load(text)
    assert isinstance(loaded.config.comment_budget, int)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["rules", "paths", "fail_level", "x", *RULES]), children, max_size=4
            )
        ),
        max_leaves=20,
    )
)
def test_any_structure_loads_without_raising(value: object) -> None:
    import json

    loaded = _load(json.dumps(value))  # JSON is YAML
    assert loaded.config.fail_level in ("error", "warning", "notice", "never")


def test_configured_rules_apply_switches_and_severities() -> None:
    from bot.core.repoconfig import configured_rules
    from bot.rulefiles import load_rules

    rules = load_rules()
    off_by_default = next(r for r in rules if not r.enabled_by_default)
    text = f"rules:\n  unwrap-used: notice\n  index-or-slice: off\n  {off_by_default.id}: on\n"
    config = load_repo_config([("c", text)], known_rules=[r.id for r in rules]).config
    got = {r.id: r for r in configured_rules(rules, config)}
    assert got["unwrap-used"].severity is Severity.NOTICE
    # A rule switched off stays known (an inline ignore may name it), but does not run.
    assert not got["index-or-slice"].enabled_by_default
    assert got[off_by_default.id].enabled_by_default
    assert set(got) == {r.id for r in rules}
    untouched = {r.id for r in rules if r.enabled_by_default} - {"index-or-slice"}
    assert all(got[rule_id].enabled_by_default for rule_id in untouched)


def test_the_schema_documents_exactly_the_keys_the_validator_accepts() -> None:
    from bot.core.repoconfig import SCHEMA, SECTIONS, TOP_KEYS

    documented = {d.key.split(".")[0] for d in SCHEMA}
    assert documented == set(TOP_KEYS)
    for section, keys in SECTIONS.items():
        assert {d.key for d in SCHEMA if d.key.startswith(section + ".")} == {
            f"{section}.{k}" for k in keys
        }


def test_the_schema_defaults_are_the_defaults() -> None:
    from bot.core.repoconfig import SCHEMA

    shown = {d.key: d.default for d in SCHEMA}
    assert shown["enabled"] == str(DEFAULTS.enabled).lower()
    assert shown["fail_level"] == DEFAULTS.fail_level
    assert shown["tests"] == ("include" if DEFAULTS.include_tests else "skip")
    assert shown["drafts"] == DEFAULTS.drafts.value
    assert shown["comments.budget"] == str(DEFAULTS.comment_budget)
    assert shown["waivers.min_permission"] == DEFAULTS.waive_min_permission
    assert shown["waivers.author_may_waive"] == str(DEFAULTS.author_may_waive).lower()
    assert shown["waivers.reason_required"] == str(DEFAULTS.reason_required).lower()


def test_docs_configuration_md_is_generated_from_the_schema() -> None:
    from bot.config_docs import main

    assert main(["--check"]) == 0, "run: python -m bot.config_docs"


def test_config_rules_may_be_named_by_code() -> None:
    from bot.core.model import rule_names
    from bot.rulefiles import load_rules

    rules = load_rules()
    text = "rules:\n  PS001: off\n  PS999: on\n"
    loaded = load_repo_config([("c", text)], known_rules=rule_names(rules))
    assert loaded.config.rules["unwrap-used"].enabled is False
    assert [i.key for i in loaded.issues] == ["rules.PS999"]
