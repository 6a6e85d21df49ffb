"""The panic-related settings of a repository's clippy.toml, honoured as far as syntax allows.

- `allow-unwrap-in-tests`, `allow-expect-in-tests`, `allow-panic-in-tests`,
  `allow-indexing-slicing-in-tests` = false: findings of the matching rules in test
  code are reported instead of suppressed ("test-code").
- `allow-unwrap-in-consts`, `allow-expect-in-consts` (true, Clippy's default):
  unwraps in `const`/`static` items are suppressed ("config"); they fail at compile
  time, never at run time.
- `allow-unwrap-types`: `std::sync::LockResult` / `TryLockResult` suppress ("config")
  unwraps of `.lock()`, `.read()`, `.write()` (`.try_lock()`...) receivers; other types
  cannot be told without type information and are named in a problem.

The `*-in-tests` keys only matter when set to `false`: panicscan already leaves test
code out of reviews by default (Clippy's own default is `false`, so an absent key
keeps panicscan's default rather than Clippy's).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

MAX_CLIPPY_TOML_BYTES = 256 * 1024

_TESTS_KEYS: dict[str, tuple[str, ...]] = {
    "allow-unwrap-in-tests": ("unwrap-used", "unwrap-on-lookup"),
    "allow-expect-in-tests": ("expect-used",),
    "allow-panic-in-tests": ("panic-macro", "unfinished-code"),
    "allow-indexing-slicing-in-tests": ("index-or-slice", "string-slice", "map-key-index"),
}
_LOCK_TYPES: dict[str, tuple[str, ...]] = {
    "LockResult": ("lock", "read", "write"),
    "TryLockResult": ("try_lock", "try_read", "try_write"),
}


@dataclass(frozen=True)
class ClippyConfig:
    """What a clippy.toml asks of panicscan (the defaults are an absent file)."""

    # Rules whose test-code findings are reported instead of suppressed.
    report_in_tests: frozenset[str] = frozenset()
    allow_unwrap_in_consts: bool = True
    allow_expect_in_consts: bool = True
    # Receiver methods whose `.unwrap()`/`.expect()` is allowed (`lock` for LockResult).
    allowed_unwrap_receivers: frozenset[str] = frozenset()


DEFAULT_CLIPPY_CONFIG = ClippyConfig()


def parse_clippy_toml(text: str, source: str) -> tuple[ClippyConfig, list[str]]:
    """The config and a list of problems (bad syntax, wrong types, unsupported values).

    A broken file never stops a scan: the defaults are used and the problem is reported.
    """
    if len(text.encode("utf-8", "surrogateescape")) > MAX_CLIPPY_TOML_BYTES:
        return DEFAULT_CLIPPY_CONFIG, [f"{source}: larger than {MAX_CLIPPY_TOML_BYTES} bytes"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return DEFAULT_CLIPPY_CONFIG, [f"{source}: invalid TOML: {exc}"]
    problems: list[str] = []

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            problems.append(f"{source}: {key}: must be true or false; using {default}")
            return default
        return value

    report: set[str] = set()
    for key, rule_ids in _TESTS_KEYS.items():
        if key in data and not flag(key, True):
            report.update(rule_ids)
    receivers: set[str] = set()
    types = data.get("allow-unwrap-types", [])
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        problems.append(f"{source}: allow-unwrap-types: must be a list of type paths")
        types = []
    for type_path in types:
        methods = _LOCK_TYPES.get(type_path.rsplit("::", 1)[-1].strip())
        if methods is None:
            problems.append(
                f"{source}: allow-unwrap-types: `{type_path[:80]}` cannot be recognised "
                "without type information; ignored"
            )
        else:
            receivers.update(methods)
    config = ClippyConfig(
        report_in_tests=frozenset(report),
        allow_unwrap_in_consts=flag("allow-unwrap-in-consts", True),
        allow_expect_in_consts=flag("allow-expect-in-consts", True),
        allowed_unwrap_receivers=frozenset(receivers),
    )
    return config, problems
