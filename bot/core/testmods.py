"""Files that are test code because a `#[cfg(test)] mod name;` declaration points at them.

`src/lib.rs` declaring `#[cfg(test)] mod tests;` makes `src/tests.rs` (or
`src/tests/mod.rs`) test code, though nothing in that file says so. Only the
declaring file knows, so the scan derives these paths from every source it has,
and callers may add more (ScanOptions.test_module_paths) when they can see the tree.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import PurePosixPath

from tree_sitter import Node

from bot.core.ancestry import Ancestry
from bot.core.rust_syntax import matches, parse, utf8_safe
from bot.core.testcode import TestCode

_MOD_DECLARATION = re.compile(rb"\bmod\s+[A-Za-z_][A-Za-z0-9_]*\s*;")
_PATH_ATTRIBUTE = re.compile(r'#\s*\[\s*path\s*=\s*"([^"\\]+)"\s*\]')
_MODS = "(mod_item name: (identifier) @name !body) @mod"


# A file's tree and how long parsing it took (ms).
ParsedFile = tuple[Node, float]


def declared_test_modules(
    path: str, source: bytes, parsed: dict[str, ParsedFile] | None = None
) -> frozenset[str]:
    """Candidate file paths of the out-of-line modules that `path` declares as test code.
    A tree parsed on the way is left in `parsed[path]`, for the analysis to reuse."""
    # Cheap byte checks first: most files declare no out-of-line test module.
    if b"test" not in source or not _MOD_DECLARATION.search(source):
        return frozenset()
    started = time.perf_counter()
    root = parse(utf8_safe(source))
    if parsed is not None:
        parsed[path] = (root, (time.perf_counter() - started) * 1000.0)
    here = PurePosixPath(path)
    # `foo.rs` keeps its children in `foo/`; `mod.rs`, `lib.rs` and `main.rs` beside them.
    owns_dir = here.name in ("mod.rs", "lib.rs", "main.rs")
    base = here.parent if owns_dir else here.parent / here.stem
    found: set[str] = set()
    in_test_code = TestCode(Ancestry())
    for captures in matches(_MODS, root):
        item = captures["mod"][0]
        name_node = captures["name"][0]
        if name_node.text is None or not in_test_code(item):
            continue
        name = name_node.text.decode("utf-8", "replace")
        custom = _path_attribute(item.prev_named_sibling)
        if custom is not None:
            found.add((here.parent / custom).as_posix())
        else:
            found.add((base / f"{name}.rs").as_posix())
            found.add((base / name / "mod.rs").as_posix())
    return frozenset(found)


def test_module_paths(
    sources: Mapping[str, bytes | None], parsed: dict[str, ParsedFile] | None = None
) -> frozenset[str]:
    """Every test-module file declared by any of `sources` (path -> bytes); the trees
    parsed on the way are left in `parsed`."""
    found: set[str] = set()
    for path, source in sources.items():
        if source is not None:
            found.update(declared_test_modules(path, source, parsed))
    return frozenset(found)


def _path_attribute(node: Node | None) -> str | None:
    """`#[path = "..."]` among the attributes just before the `mod` item."""
    current = node
    while current is not None and current.type == "attribute_item":
        if current.text is not None:
            match = _PATH_ATTRIBUTE.search(current.text.decode("utf-8", "replace"))
            if match:
                return match.group(1)
        current = current.prev_named_sibling
    return None
