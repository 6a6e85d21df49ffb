"""Read the header lines of one file section: names, new/deleted/rename markers, binary.

Names are kept raw here (with their `a/`, `b/` or `base/`, `head/` first component);
whether to strip that component is decided once per diff by `strips_prefix`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

DEV_NULL = "/dev/null"
# `diff -N` writes the missing side of an added or removed file with the epoch as its time.
_EPOCH_PREFIXES = ("1970-01-01", "1969-12-31")
_BINARY = re.compile(r"^Binary files (.+) and (.+) differ$")
_ONLY_IN = re.compile(r"^Only in (.+?): (.+)$")
_C_ESCAPES = {
    "a": 7,
    "b": 8,
    "t": 9,
    "n": 10,
    "v": 11,
    "f": 12,
    "r": 13,
    '"': 34,
    "\\": 92,
}


@dataclass(frozen=True)
class SectionHeader:
    """What the header lines of one file section say; names are raw, None for /dev/null."""

    git: bool
    diff_names: tuple[str, str] | None = None
    minus_name: str | None = None
    plus_name: str | None = None
    minus_time: str = ""
    plus_time: str = ""
    has_names: bool = False
    new_file: bool = False
    deleted_file: bool = False
    rename_from: str | None = None
    rename_to: str | None = None
    copied: bool = False
    binary: bool = False
    binary_names: tuple[str | None, str | None] | None = None
    only_in: str | None = None

    def raw_pairs(self) -> Iterable[tuple[str | None, str | None]]:
        """Every (old, new) pair of raw names the header gives, for the prefix decision."""
        if self.diff_names is not None:
            yield self.diff_names
        if self.has_names:
            yield (self.minus_name, self.plus_name)
        if self.binary_names is not None:
            yield self.binary_names


def unquote_path(name: str) -> str:
    """Undo git's C-style quoting (`"caf\\303\\251.rs"`); other names pass unchanged."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    body = name[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            octal = body[i + 1 : i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
        out.extend(ch.encode("utf-8", "replace"))
        i += 1
    # Paths are bytes to git; undecodable ones become U+FFFD rather than failing the scan.
    return out.decode("utf-8", "replace")


def _name_or_none(raw: str) -> str | None:
    name = unquote_path(raw)
    return None if name == DEV_NULL else name


def _first_component(name: str) -> str:
    return name.split("/", 1)[0]


def strip_component(name: str) -> str:
    """Drop the first path component (`a/src/x.rs` -> `src/x.rs`)."""
    return name.split("/", 1)[1] if "/" in name else name


def _split_diff_git(rest: str) -> tuple[str, str] | None:
    """Split the two names of a `diff --git` line, which are ambiguous when they hold spaces."""
    if rest.startswith('"'):
        end = rest.find('" ', 1)
        while end != -1 and rest[end - 1] == "\\":
            end = rest.find('" ', end + 1)
        if end == -1:
            return None
        return rest[: end + 1], rest[end + 2 :]
    if rest.endswith('"') and ' "' in rest:
        left, right = rest.rsplit(' "', 1)
        return left, '"' + right
    spaces = [i for i, ch in enumerate(rest) if ch == " "]
    if not spaces:
        return None
    # Git writes the same path on both sides unless renamed: prefer the split that agrees.
    for i in spaces:
        left, right = rest[:i], rest[i + 1 :]
        if strip_component(left) == strip_component(right):
            return left, right
    middle = min(spaces, key=lambda i: abs(len(rest) - 1 - 2 * i))
    return rest[:middle], rest[middle + 1 :]


def _name_and_time(rest: str) -> tuple[str | None, str]:
    name, _, time = rest.partition("\t")
    return _name_or_none(name), time.strip()


def _binary_names(line: str) -> tuple[str | None, str | None] | None:
    m = _BINARY.match(line)
    if m is None:
        return None
    return _name_or_none(m.group(1)), _name_or_none(m.group(2))


def parse_header(lines: Sequence[str]) -> SectionHeader:
    """Collect the facts a section's header lines state; unknown lines are ignored."""
    h = SectionHeader(git=bool(lines) and lines[0].startswith("diff --git "))
    for line in lines:
        h = _read_header_line(h, line)
    return h


def _read_header_line(h: SectionHeader, line: str) -> SectionHeader:
    if line.startswith("diff --git "):
        pair = _split_diff_git(line[len("diff --git ") :])
        if pair is None:
            return h
        return replace(h, diff_names=(unquote_path(pair[0]), unquote_path(pair[1])))
    if line.startswith("--- ") and not h.has_names:
        name, time = _name_and_time(line[4:])
        return replace(h, minus_name=name, minus_time=time, has_names=True)
    if line.startswith("+++ ") and h.has_names:
        name, time = _name_and_time(line[4:])
        return replace(h, plus_name=name, plus_time=time)
    if line.startswith("new file mode"):
        return replace(h, new_file=True)
    if line.startswith("deleted file mode"):
        return replace(h, deleted_file=True)
    if line.startswith(("rename from ", "copy from ")):
        return replace(h, rename_from=unquote_path(line.split(" ", 2)[2]), copied=line[0] == "c")
    if line.startswith(("rename to ", "copy to ")):
        return replace(h, rename_to=unquote_path(line.split(" ", 2)[2]))
    if line.startswith("Binary files "):
        return replace(h, binary=True, binary_names=_binary_names(line))
    if line == "GIT binary patch":
        return replace(h, binary=True)
    m = _ONLY_IN.match(line)
    if m is not None:
        return replace(h, only_in=f"{m.group(1).rstrip('/')}/{m.group(2)}")
    return h


def strips_prefix(headers: Iterable[SectionHeader]) -> bool:
    """Decide once per diff whether names carry a first component to drop.

    True when every raw name has a directory part and no file shows the same first
    component on both sides: `a/x b/x` and `base/x head/x` strip; `git diff
    --no-prefix` (`src/x src/x`) and `diff -u old.rs new.rs` do not.
    """
    seen = False
    for header in headers:
        for old, new in header.raw_pairs():
            for name in (old, new):
                if name is not None:
                    seen = True
                    if "/" not in name:
                        return False
            if old is None or new is None:
                continue
            if _first_component(old) == _first_component(new):
                return False
    return seen


def is_epoch(time: str) -> bool:
    return time.startswith(_EPOCH_PREFIXES)
