"""Path globs as in .gitignore-style configs: `*` stays within a folder, `**` crosses them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    # A pattern naming a folder also covers everything below it.
    return re.compile("".join(out) + "(?:/.*)?")


def path_selected(path: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Included (no include globs means everything) and not excluded."""
    if include and not any(compile_glob(p).fullmatch(path) for p in include):
        return False
    return not any(compile_glob(p).fullmatch(path) for p in exclude)
