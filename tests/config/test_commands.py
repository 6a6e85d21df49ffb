"""Parsing `/panicscan` commands out of comment bodies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.service.commands import (
    MAX_COMMANDS,
    Command,
    CommandError,
    Verb,
    Where,
    parse_commands,
)

T, C = Where.THREAD, Where.CONVERSATION


def test_thread_ignore_with_a_reason_is_a_waiver() -> None:
    assert parse_commands("/panicscan ignore  input is   validated above", T) == [
        Command(Verb.IGNORE, None, "input is validated above")
    ]


def test_commands_are_case_insensitive_and_must_start_a_line() -> None:
    assert parse_commands("/PanicScan IGNORE ok then", T) == [Command(Verb.IGNORE, None, "ok then")]
    assert parse_commands("please run /panicscan ignore because", T) == []
    assert parse_commands("Thanks!\n   /panicscan explain\n", T) == [Command(Verb.EXPLAIN)]


def test_a_missing_reason_is_an_error_unless_reasons_are_optional() -> None:
    [err] = parse_commands("/panicscan ignore", T)
    assert isinstance(err, CommandError) and "reason is required" in err.problem
    assert "/panicscan ignore <reason>" in err.help
    assert parse_commands("/panicscan ignore", T, reason_required=False) == [Command(Verb.IGNORE)]


def test_unknown_and_misplaced_commands_are_errors_with_the_syntax() -> None:
    [unknown] = parse_commands("/panicscan frobnicate", T)
    assert isinstance(unknown, CommandError) and "unknown command" in unknown.problem
    [misplaced] = parse_commands("/panicscan rescan", T)
    assert isinstance(misplaced, CommandError) and "does not work here" in misplaced.problem
    [bare] = parse_commands("/panicscan", C)
    assert isinstance(bare, CommandError) and "rescan" in bare.help


def test_conversation_ignore_names_a_fingerprint_prefix_or_a_rule() -> None:
    assert parse_commands("/panicscan ignore 0a1b2c3d tested", C) == [
        Command(Verb.IGNORE, "0a1b2c3d", "tested")
    ]
    assert parse_commands("/panicscan ignore Unwrap-Used startup only", C) == [
        Command(Verb.IGNORE, "unwrap-used", "startup only")
    ]
    [err] = parse_commands("/panicscan ignore <script> x", C)
    assert isinstance(err, CommandError)
    assert parse_commands("/panicscan rescan", C) == [Command(Verb.RESCAN)]


def test_code_blocks_and_quotes_are_not_commands() -> None:
    body = (
        "```\n/panicscan ignore in a fence\n```\n"
        "~~~~\n/panicscan ignore tilde fence\n~~~~\n"
        "> /panicscan ignore quoted\n"
        "    /panicscan ignore indented code\n"
        "/panicscan ignore the real one\n"
    )
    assert parse_commands(body, T) == [Command(Verb.IGNORE, None, "the real one")]


def test_look_alike_letters_are_not_commands() -> None:
    assert parse_commands("/pаnicscan ignore cyrillic a", T) == []  # noqa: RUF001
    assert parse_commands("／panicscan ignore fullwidth slash", T) == []  # noqa: RUF001


def test_many_commands_in_one_comment_are_capped() -> None:
    body = "\n".join(f"/panicscan ignore reason {i}" for i in range(50))
    results = parse_commands(body, T)
    assert len(results) == MAX_COMMANDS


def test_huge_comments_are_scanned_only_up_to_the_limit() -> None:
    body = "x" * 70_000 + "\n/panicscan ignore too late"
    assert parse_commands(body, T) == []
    long_reason = "/panicscan ignore " + "r" * 10_000
    [cmd] = parse_commands(long_reason, T)
    assert isinstance(cmd, Command) and cmd.reason is not None and len(cmd.reason) == 500


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.sampled_from([T, C]), st.booleans())
def test_any_body_parses_to_commands_or_errors_never_raises(
    body: str, where: Where, required: bool
) -> None:
    for result in parse_commands("/panicscan " + body, where, reason_required=required):
        assert isinstance(result, Command | CommandError)
