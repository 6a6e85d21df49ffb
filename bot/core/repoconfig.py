"""`.github/panicscan.yml`: parsed, validated and merged over defaults.

A bad config must degrade, never kill: every bad part falls back to its default and
is reported as a ConfigIssue (shown in the check run summary); nothing raises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot.core.model import Rule, Severity
from bot.core.safe_yaml import YamlRefused, load_safe_yaml

CONFIG_PATH = ".github/panicscan.yml"
MAX_CONFIG_BYTES = 64 * 1024
MAX_GLOBS = 200
MAX_GLOB_CHARS = 500
FAIL_LEVELS = ("error", "warning", "notice", "never")
PERMISSIONS = ("read", "triage", "write", "maintain", "admin")


class DraftPolicy(StrEnum):
    CHECKS_ONLY = "checks-only"  # analyse and report on the check run, no inline comments
    FULL = "full"
    SKIP = "skip"


@dataclass(frozen=True)
class RuleOverride:
    enabled: bool | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class RepoConfig:
    enabled: bool = True
    fail_level: str = "error"
    rules: Mapping[str, RuleOverride] = field(default_factory=lambda: MappingProxyType({}))
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_tests: bool = False
    drafts: DraftPolicy = DraftPolicy.CHECKS_ONLY
    comment_budget: int = 25
    waive_min_permission: str = "write"
    author_may_waive: bool = True
    reason_required: bool = True


@dataclass(frozen=True)
class ConfigIssue:
    source: str
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.key}: {self.message}"
            if self.key
            else f"{self.source}: {self.message}"
        )


@dataclass(frozen=True)
class LoadedConfig:
    config: RepoConfig
    issues: tuple[ConfigIssue, ...]
    sources: tuple[str, ...]


DEFAULTS = RepoConfig()
TOP_KEYS = ("enabled", "fail_level", "rules", "paths", "tests", "drafts", "comments", "waivers")
SECTIONS = {
    "paths": ("include", "exclude"),
    "comments": ("budget",),
    "waivers": ("min_permission", "author_may_waive", "reason_required"),
}


@dataclass(frozen=True)
class KeyDoc:
    """One documented key: docs/configuration.md is generated from these, and a test
    checks they match what the validator accepts and the defaults it uses."""

    key: str
    kind: str
    default: str
    meaning: str


SCHEMA: tuple[KeyDoc, ...] = (
    KeyDoc("enabled", "true | false", "true", "false turns panicscan off for the repository"),
    KeyDoc(
        "fail_level",
        " | ".join(FAIL_LEVELS),
        "error",
        "lowest severity of an unwaived finding that fails the check run",
    ),
    KeyDoc(
        "rules.<rule-id>",
        "off | on | error | warning | notice | {enabled, severity}",
        "each rule's own",
        "switch a rule on or off, or set its starting severity (per-finding grading can "
        "still raise or lower it; see docs/suppression.md and `panicscan rules`); a "
        "rule's code (`PS001`) names it too",
    ),
    KeyDoc("paths.include", "list of globs", "[] (everything)", "only these paths are analysed"),
    KeyDoc("paths.exclude", "list of globs", "[]", "these paths are never analysed"),
    KeyDoc("tests", "skip | include", "skip", "whether test code is reviewed"),
    KeyDoc(
        "drafts",
        " | ".join(p.value for p in DraftPolicy),
        "checks-only",
        "draft PRs: check run only, full review, or nothing",
    ),
    KeyDoc(
        "comments.budget",
        "0 to 100",
        "25",
        "new inline comments per push; the rest go to the check run's annotations",
    ),
    KeyDoc(
        "waivers.min_permission",
        " | ".join(PERMISSIONS),
        "write",
        "repository permission needed for `/panicscan ignore`",
    ),
    KeyDoc(
        "waivers.author_may_waive",
        "true | false",
        "true",
        "whether a PR's author may waive its findings",
    ),
    KeyDoc(
        "waivers.reason_required",
        "true | false",
        "true",
        "whether `/panicscan ignore` needs a reason",
    ),
)


def load_repo_config(
    layers: Sequence[tuple[str, str]], *, known_rules: Collection[str]
) -> LoadedConfig:
    """Merge config layers (e.g. the org's `.github` repo, then the repo's own) over
    the defaults. Each layer is (source name, YAML text)."""
    issues: list[ConfigIssue] = []
    merged: dict[str, Any] = {}
    for source, text in layers:
        data = _parse_layer(source, text, issues)
        if data is not None:
            merged = _deep_merge(merged, data)
    sources = tuple(source for source, _ in layers)
    label = sources[-1] if sources else CONFIG_PATH
    config = _Validator(label, known_rules, issues).build(merged)
    return LoadedConfig(config, tuple(issues), sources)


def _parse_layer(source: str, text: str, issues: list[ConfigIssue]) -> dict[str, Any] | None:
    try:
        data = load_safe_yaml(text, max_bytes=MAX_CONFIG_BYTES)
    except YamlRefused as exc:
        issues.append(ConfigIssue(source, "", f"ignored, using defaults: {exc}"))
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        issues.append(
            ConfigIssue(source, "", "ignored, using defaults: top level must be a mapping")
        )
        return None
    return data


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


class _Validator:
    """Reads each key with its default as fallback, noting every problem."""

    def __init__(self, source: str, known_rules: Collection[str], issues: list[ConfigIssue]):
        self._source = source
        # A mapping (see model.rule_names) also lets a code such as PS001 name its rule.
        self._names: dict[str, str] = (
            {str(k): str(v) for k, v in known_rules.items()}
            if isinstance(known_rules, Mapping)
            and all(isinstance(v, str) for v in known_rules.values())
            else {str(k): str(k) for k in known_rules}
        )
        self._known = frozenset(self._names.values())
        self._issues = issues

    def _note(self, key: str, message: str) -> None:
        self._issues.append(ConfigIssue(self._source, key, message))

    def build(self, data: Mapping[str, Any]) -> RepoConfig:
        for key in data:
            if key not in TOP_KEYS:
                self._note(str(key), f"unknown key ignored (known: {', '.join(TOP_KEYS)})")
        config = DEFAULTS
        config = replace(config, enabled=self._bool(data, "enabled", DEFAULTS.enabled))
        config = replace(
            config, fail_level=self._choice(data, "fail_level", FAIL_LEVELS, DEFAULTS.fail_level)
        )
        config = replace(config, rules=MappingProxyType(self._rules(data.get("rules"))))
        paths = self._section(data, "paths", SECTIONS["paths"])
        config = replace(
            config,
            include=self._globs(paths, "paths.include"),
            exclude=self._globs(paths, "paths.exclude"),
        )
        tests = self._choice(data, "tests", ("skip", "include"), "skip")
        config = replace(config, include_tests=tests == "include")
        drafts = self._choice(
            data, "drafts", tuple(p.value for p in DraftPolicy), DEFAULTS.drafts.value
        )
        config = replace(config, drafts=DraftPolicy(drafts))
        comments = self._section(data, "comments", SECTIONS["comments"])
        config = replace(
            config,
            comment_budget=self._int(comments, "comments.budget", DEFAULTS.comment_budget, 0, 100),
        )
        waivers = self._section(data, "waivers", SECTIONS["waivers"])
        config = replace(
            config,
            waive_min_permission=self._choice(
                waivers, "waivers.min_permission", PERMISSIONS, DEFAULTS.waive_min_permission
            ),
            author_may_waive=self._bool(
                waivers, "waivers.author_may_waive", DEFAULTS.author_may_waive
            ),
            reason_required=self._bool(
                waivers, "waivers.reason_required", DEFAULTS.reason_required
            ),
        )
        return config

    @staticmethod
    def _leaf(key: str) -> str:
        return key.rsplit(".", 1)[-1]

    def _section(
        self, data: Mapping[str, Any], key: str, keys: tuple[str, ...]
    ) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self._note(key, "must be a mapping; using defaults")
            return {}
        for sub in value:
            if sub not in keys:
                self._note(f"{key}.{sub}", f"unknown key ignored (known: {', '.join(keys)})")
        return value

    def _bool(self, data: Mapping[str, Any], key: str, default: bool) -> bool:
        value = data.get(self._leaf(key), default)
        if isinstance(value, bool):
            return value
        self._note(key, f"must be true or false, got {_show(value)}; using {str(default).lower()}")
        return default

    def _choice(
        self, data: Mapping[str, Any], key: str, options: tuple[str, ...], default: str
    ) -> str:
        value = data.get(self._leaf(key), default)
        if isinstance(value, str) and value in options:
            return value
        self._note(key, f"must be one of {', '.join(options)}, got {_show(value)}; using {default}")
        return default

    def _int(self, data: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
        value = data.get(self._leaf(key), default)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self._note(
            key, f"must be a whole number from {low} to {high}, got {_show(value)}; using {default}"
        )
        return default

    def _globs(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(self._leaf(key), [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._note(key, f"must be a list of glob strings, got {_show(value)}; ignored")
            return ()
        if len(value) > MAX_GLOBS or any(len(v) > MAX_GLOB_CHARS for v in value):
            self._note(key, f"at most {MAX_GLOBS} globs of {MAX_GLOB_CHARS} characters; ignored")
            return ()
        return tuple(v.strip() for v in value)

    def _rules(self, value: object) -> dict[str, RuleOverride]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self._note(
                "rules", f"must be a mapping of rule id to setting, got {_show(value)}; ignored"
            )
            return {}
        if len(value) > len(self._known):
            self._note(
                "rules", f"names {len(value)} rules but only {len(self._known)} exist; ignored"
            )
            return {}
        overrides: dict[str, RuleOverride] = {}
        for rule_id, setting in value.items():
            key = f"rules.{rule_id}"
            if rule_id not in self._names:
                self._note(key, "no such rule; ignored (see `panicscan rules`)")
                continue
            override = self._rule_setting(key, setting)
            if override is not None:
                overrides[self._names[rule_id]] = override
        return overrides

    def _rule_setting(self, key: str, setting: object) -> RuleOverride | None:
        severities = tuple(s.value for s in Severity)
        # YAML 1.1 reads `off`/`on` as booleans.
        if isinstance(setting, bool):
            return RuleOverride(enabled=setting)
        if isinstance(setting, str) and setting in severities:
            return RuleOverride(enabled=True, severity=Severity(setting))
        if isinstance(setting, Mapping) and set(setting) <= {"enabled", "severity"}:
            enabled = setting.get("enabled")
            severity = setting.get("severity")
            if (enabled is None or isinstance(enabled, bool)) and (
                severity is None or severity in severities
            ):
                return RuleOverride(enabled, Severity(severity) if severity else None)
        self._note(
            key,
            f"must be off, on, a severity ({', '.join(severities)}) or "
            f"{{enabled, severity}}, got {_show(setting)}; ignored",
        )
        return None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def configured_rules(rules: Sequence[Rule], config: RepoConfig) -> list[Rule]:
    """Every rule after the repository's enable/disable and severity overrides: the ones
    the scan runs have `enabled_by_default`, the rest stay known (an inline ignore may
    still name them) but off."""
    out = []
    for rule in rules:
        override = config.rules.get(rule.id)
        enabled = rule.enabled_by_default
        if override is not None and override.enabled is not None:
            enabled = override.enabled
        severity = override.severity if override and override.severity else rule.severity
        out.append(dataclasses.replace(rule, severity=severity, enabled_by_default=enabled))
    return out
