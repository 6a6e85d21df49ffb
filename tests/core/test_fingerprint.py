"""Fingerprints survive unrelated edits and tell identical expressions apart."""

from __future__ import annotations

from bot.core.fingerprint import fingerprint, normalise_code
from bot.core.rust import analyse_file
from bot.rulefiles import load_rules

RULES = load_rules()

BASE = """\
impl Loader {
    fn load(&self) -> Config {
        let text = read(&self.path).unwrap();
        Config::parse(&text).unwrap()
    }
}
"""


def prints(source: str, path: str = "src/lib.rs") -> list[str]:
    return [f.fingerprint for f in analyse_file(path, source.encode(), None, RULES).findings]


def test_fingerprint_survives_lines_inserted_above() -> None:
    shifted = "use std::fs;\n\n/// Loads things.\n" + BASE
    assert prints(shifted) == prints(BASE)


def test_fingerprint_survives_unrelated_lines_inside_the_same_function() -> None:
    edited = BASE.replace("        let text", '        log::info!("loading");\n        let text')
    assert prints(edited) == prints(BASE)


def test_fingerprint_survives_reformatting() -> None:
    reformatted = BASE.replace(
        "read(&self.path).unwrap()", "read(&self.path)\n            .unwrap()"
    )
    assert prints(reformatted) == prints(BASE)


def test_two_identical_unwraps_in_one_function_differ() -> None:
    code = "fn f() {\n    let a = x.unwrap();\n    let b = x.unwrap();\n}\n"
    first, second = prints(code)
    assert first != second


def test_identical_unwraps_in_different_functions_differ() -> None:
    code = "fn f() { x.unwrap(); }\nfn g() { x.unwrap(); }\n"
    first, second = prints(code)
    assert first != second


def test_fingerprint_changes_with_path_rule_and_expression() -> None:
    assert prints(BASE) != prints(BASE, path="src/other.rs")
    assert prints(BASE) != prints(BASE.replace("self.path", "self.other"))
    assert fingerprint("unwrap-used", "a.rs", "fn f", "x.unwrap()", 0) != fingerprint(
        "expect-used", "a.rs", "fn f", "x.unwrap()", 0
    )


def test_fingerprint_is_twenty_hex_characters_and_deterministic() -> None:
    value = fingerprint("unwrap-used", "a.rs", "fn f", "x.unwrap()", 0)
    assert len(value) == 20 and int(value, 16) >= 0
    assert value == fingerprint("unwrap-used", "a.rs", "fn f", "x . unwrap ( )", 0)
    assert value != fingerprint("unwrap-used", "a.rs", "fn f", "x.unwrap()", 1)


def test_normalise_code_keeps_spaces_only_between_words() -> None:
    assert normalise_code("let  x =\n a . b ( )") == "let x=a.b()"
    assert normalise_code("  as  usize ") == "as usize"


def test_thousands_of_identical_unwraps_in_one_function_get_distinct_fingerprints() -> None:
    from bot.core.rust import analyse_file
    from bot.rulefiles import load_rules

    source = ("fn f() {\n" + "    a.unwrap();\n" * 3000 + "}\n").encode()
    findings = analyse_file("src/lib.rs", source, None, load_rules()).findings
    assert len(findings) == 3000
    assert len({f.fingerprint for f in findings}) == 3000


def test_a_comment_quoting_the_code_does_not_change_the_fingerprint() -> None:
    from bot.core.rust import analyse_file
    from bot.rulefiles import load_rules

    before = b"fn f(x: Option<u8>) -> u8 {\n    let y = x.unwrap();\n    y\n}\n"
    after = (
        b"fn f(x: Option<u8>) -> u8 {\n    // we used to call x.unwrap() here\n"
        b"    /* and x.unwrap() there */\n    let y = x.unwrap();\n    y\n}\n"
    )
    [old] = analyse_file("src/lib.rs", before, None, load_rules()).findings
    [new] = analyse_file("src/lib.rs", after, None, load_rules()).findings
    assert (old.line, new.line) == (2, 4)
    assert old.fingerprint == new.fingerprint
