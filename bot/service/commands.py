"""`/panicscan` commands in comment bodies.

A command must start a line (up to three spaces of indent, as markdown allows) and is
matched case-insensitively on plain ASCII only, so look-alike letters are not
commands. Lines in fenced or indented code blocks and in quotes are never commands:
quoting someone's `/panicscan ignore` must not repeat it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_SCANNED_CHARS = 65_536
MAX_COMMANDS = 5
MAX_REASON_CHARS = 500

_COMMAND_LINE = re.compile(r"^ {0,3}/panicscan(?:\s+(?P<rest>.*))?$", re.IGNORECASE | re.ASCII)
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_TARGET = re.compile(r"^(?:[0-9a-f]{6,64}|[a-z][a-z0-9-]{0,63})$")


class Where(StrEnum):
    THREAD = "thread"  # a reply in the thread of one of the bot's inline comments
    CONVERSATION = "conversation"  # the PR's conversation tab (issue_comment)


class Verb(StrEnum):
    IGNORE = "ignore"
    UNIGNORE = "unignore"
    EXPLAIN = "explain"
    RESCAN = "rescan"
    HELP = "help"


_ALLOWED = {
    Where.THREAD: (Verb.IGNORE, Verb.UNIGNORE, Verb.EXPLAIN, Verb.HELP),
    Where.CONVERSATION: (Verb.RESCAN, Verb.HELP, Verb.IGNORE, Verb.UNIGNORE),
}


@dataclass(frozen=True)
class Command:
    verb: Verb
    target: str | None = None  # conversation ignore: a fingerprint prefix or a rule id
    reason: str | None = None


@dataclass(frozen=True)
class CommandError:
    """A line that meant to be a command but is not a valid one: reply with `help`."""

    line: str
    problem: str
    help: str


def usage(where: Where) -> str:
    if where is Where.THREAD:
        return (
            "In a panicscan thread: `/panicscan ignore <reason>` waives this finding, "
            "`/panicscan unignore` takes the waiver back, `/panicscan explain` shows the rule."
        )
    return (
        "In the conversation: `/panicscan rescan`, `/panicscan help`, "
        "`/panicscan ignore <fingerprint-prefix|rule-id> <reason>`, "
        "`/panicscan unignore <fingerprint-prefix|rule-id>`."
    )


def command_lines(body: str) -> list[str]:
    """The lines of `body` that start with /panicscan outside code blocks and quotes."""
    found: list[str] = []
    fence: str | None = None
    for raw in body[:MAX_SCANNED_CHARS].splitlines():
        line = raw.rstrip()
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        if line.lstrip().startswith(">") or raw.startswith(("    ", "\t")):
            continue
        if _COMMAND_LINE.match(line):
            found.append(line.strip())
    return found


def parse_commands(
    body: str, where: Where, *, reason_required: bool = True
) -> list[Command | CommandError]:
    """Every command in a comment, in order, at most MAX_COMMANDS."""
    results: list[Command | CommandError] = []
    for line in command_lines(body)[:MAX_COMMANDS]:
        results.append(_parse_line(line, where, reason_required))
    return results


def _parse_line(line: str, where: Where, reason_required: bool) -> Command | CommandError:
    match = _COMMAND_LINE.match(line)
    rest = (match.group("rest") or "").strip() if match else ""
    word, _, tail = rest.partition(" ")
    tail = " ".join(tail.split())

    def error(problem: str) -> CommandError:
        return CommandError(line[:200], problem, usage(where))

    try:
        verb = Verb(word.lower())
    except ValueError:
        return error(f"unknown command `{word[:40]}`" if word else "no command given")
    if verb not in _ALLOWED[where]:
        return error(f"`{verb.value}` does not work here")
    if verb in (Verb.RESCAN, Verb.HELP, Verb.EXPLAIN) or (
        verb is Verb.UNIGNORE and where is Where.THREAD
    ):
        return Command(verb)
    target: str | None = None
    if where is Where.CONVERSATION:
        target, _, tail = tail.partition(" ")
        target = target.lower()
        if not _TARGET.match(target):
            return error("name the finding: a fingerprint prefix (6+ hex digits) or a rule id")
    if verb is Verb.UNIGNORE:
        return Command(verb, target)
    reason = tail.strip() or None
    if reason is None and reason_required:
        return error("a reason is required, e.g. `/panicscan ignore input is validated above`")
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 1] + "…"
    return Command(verb, target, reason)
