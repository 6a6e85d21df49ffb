"""Review comments carry the graded context: notes, the limit question, a `?` suggestion."""

from __future__ import annotations

from textwrap import dedent

from bot.core.model import Finding
from bot.core.rust import analyse_file
from bot.report.comment import parse_marker, render_comment
from bot.rulefiles import load_rules

RULES = load_rules()
BY_ID = {rule.id: rule for rule in RULES}


def _comment(code: str, rule_id: str) -> tuple[Finding, str]:
    found = analyse_file("src/lib.rs", dedent(code).encode(), None, RULES).findings
    [finding] = [f for f in found if f.rule == rule_id]
    return finding, render_comment(finding, BY_ID[rule_id])


def test_limit_question_comes_first_when_the_panic_depends_on_a_limit() -> None:
    code = 'fn load(n: usize) {\n    if n > MAX_FEATURES {\n        panic!("too many");\n    }\n}\n'
    _, body = _comment(code, "panic-macro")
    questions = body.split("**Before this merges, can the author and reviewer answer:**")[1]
    first = questions.strip().splitlines()[0]
    assert first.startswith("- What happens when the input outgrows `MAX_FEATURES`")
    assert questions.split("**Instead")[0].count("\n- ") == 3


def test_question_mark_suggestion_is_a_github_suggestion_block_for_that_line() -> None:
    code = (
        "fn port(t: &str) -> Result<u16, E> {\n    let p = t.parse::<u16>().unwrap();\n    Ok(p)\n}"
    )
    _, body = _comment(code, "unwrap-used")
    assert "```suggestion\n    let p = t.parse::<u16>()?;\n```" in body


def test_backticks_in_the_suggested_line_cannot_close_the_fence() -> None:
    code = (
        'fn f(t: &str) -> Result<u8, E> {\n    let p = t.parse::<u8>().unwrap(); let s = "```";\n}'
    )
    _, body = _comment(code, "unwrap-used")
    assert "````suggestion\n" in body


def test_graded_notes_say_why_the_severity_moved() -> None:
    _, body = _comment("fn f(m: &Mutex<u8>) { let g = m.lock().unwrap(); }\n", "unwrap-used")
    assert "_Graded warning: `.lock().unwrap()` only panics" in body


def test_unwrap_err_message_names_the_ok_case() -> None:
    finding, body = _comment("fn f(r: Result<u8, E>) { r.unwrap_err(); }\n", "unwrap-used")
    assert finding.message == "`r` is unwrapped and panics on `Ok`"
    assert "panics on `Ok`" in body


def test_lookup_comment_names_the_empty_case_and_keeps_its_marker() -> None:
    finding, body = _comment("fn f(v: Vec<u8>) { v.iter().max().unwrap(); }\n", "unwrap-on-lookup")
    assert finding.message.endswith("when the iterator is empty")
    assert "{case}" not in body
    marker = parse_marker(body)
    assert marker is not None and marker.rule == "unwrap-on-lookup"


def test_long_rationale_is_folded_and_names_the_rule_page_and_ignore_syntax() -> None:
    _, body = _comment("fn f() { todo!() }\n", "unfinished-code")
    fold = body.split("<details><summary>Why this matters</summary>")[1]
    assert "`docs/rules/unfinished-code.md`" in fold
    assert "`// panicscan:ignore[unfinished-code] reason`" in fold


def test_notes_that_did_not_move_the_severity_are_shown_as_context() -> None:
    code = "fn reload(p: &str) { let f = load_features(p).unwrap(); }\n"
    _, body = _comment(code, "unwrap-used")
    assert "_Context: the value comes from `load_features`" in body
