"""Service settings, parsed once from the environment (``Settings.from_env``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Literal

from bot.errors import ConfigError
from bot.service.store import DEFAULT_DATABASE_URL, redact_url

LogFormat = Literal["text", "json"]

DEFAULT_GITHUB_URL = "https://api.github.com"
DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SECRET_FIELDS = frozenset({"webhook_secret", "private_key"})


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the server needs. `private_key_file` is only a path; it is read elsewhere."""

    app_id: int
    webhook_secret: str
    private_key: str | None = None
    private_key_file: str | None = None
    github_url: str = DEFAULT_GITHUB_URL
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    # Reviews run in this many child processes, so the web process only acks; 0 runs
    # them on the web process's own event loop (and GIL).
    worker_processes: int = 1
    worker_nice: int = 10  # added to the worker processes' nice value: acks win the CPU
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    shutdown_timeout: float = 25.0
    log_format: LogFormat = "text"
    log_level: str = "INFO"
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = 4
    job_lease_seconds: float = 120.0
    job_max_attempts: int = 5
    retry_backoff_seconds: float = 2.0
    # GitHub's secondary limit on content-creating calls; 0 turns pacing off (GHES, tests).
    github_writes_per_minute: float = 80.0

    @property
    def webhook_secret_bytes(self) -> bytes:
        return self.webhook_secret.encode("utf-8")

    def __repr__(self) -> str:
        # Hand-written so that the secret and the key can never reach a log line.
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown = "'***'" if f.name in _SECRET_FIELDS and value is not None else repr(value)
            if f.name == "database_url":
                shown = repr(redact_url(value))
            parts.append(f"{f.name}={shown}")
        return f"Settings({', '.join(parts)})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Parse PANICSCAN_* variables; a ConfigError names the variable at fault."""
        private_key = _optional(env, "PANICSCAN_PRIVATE_KEY")
        private_key_file = _optional(env, "PANICSCAN_PRIVATE_KEY_FILE")
        if private_key is not None and private_key_file is not None:
            raise ConfigError(
                "set only one of PANICSCAN_PRIVATE_KEY and PANICSCAN_PRIVATE_KEY_FILE"
            )
        if private_key is None and private_key_file is None:
            raise ConfigError("PANICSCAN_PRIVATE_KEY or PANICSCAN_PRIVATE_KEY_FILE is required")
        if private_key is not None:
            private_key = _parse_pem(private_key)
        return cls(
            app_id=_int(env, "PANICSCAN_APP_ID", None, minimum=1),
            webhook_secret=_secret(env, "PANICSCAN_WEBHOOK_SECRET"),
            private_key=private_key,
            private_key_file=private_key_file,
            github_url=_url(env, "PANICSCAN_GITHUB_URL"),
            host=_optional(env, "PANICSCAN_HOST") or "127.0.0.1",
            port=_int(env, "PANICSCAN_PORT", 8080, minimum=0, maximum=65535),
            workers=_int(env, "PANICSCAN_WORKERS", 2, minimum=1, maximum=256),
            worker_processes=_int(env, "PANICSCAN_WORKER_PROCESSES", 1, minimum=0, maximum=64),
            worker_nice=_int(env, "PANICSCAN_WORKER_NICE", 10, minimum=0, maximum=19),
            max_body_bytes=_int(env, "PANICSCAN_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=1),
            shutdown_timeout=_float(env, "PANICSCAN_SHUTDOWN_TIMEOUT", 25.0),
            log_format=_log_format(env, "PANICSCAN_LOG_FORMAT"),
            log_level=_log_level(env, "PANICSCAN_LOG_LEVEL"),
            database_url=_database_url(env),
            db_pool_size=_int(env, "PANICSCAN_DB_POOL_SIZE", 4, minimum=1, maximum=100),
            job_lease_seconds=_positive(env, "PANICSCAN_JOB_LEASE_SECONDS", 120.0),
            job_max_attempts=_int(env, "PANICSCAN_JOB_MAX_ATTEMPTS", 5, minimum=1, maximum=100),
            retry_backoff_seconds=_float(env, "PANICSCAN_RETRY_BACKOFF_SECONDS", 2.0),
            github_writes_per_minute=_float(env, "PANICSCAN_GITHUB_WRITES_PER_MINUTE", 80.0),
        )


def _optional(env: Mapping[str, str], name: str) -> str | None:
    """An unset or blank variable both mean "use the default"."""
    value = env.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _secret(env: Mapping[str, str], name: str) -> str:
    # Kept byte-exact (no strip): the HMAC must use the secret exactly as set on GitHub.
    value = env.get(name)
    if value is None or not value.strip():
        raise ConfigError(f"{name} is required and must not be empty")
    return value


def _int(
    env: Mapping[str, str],
    name: str,
    default: int | None,
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    raw = _optional(env, name)
    if raw is None:
        if default is None:
            raise ConfigError(f"{name} is required")
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ConfigError(f"{name} must be >= {minimum}{upper}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _optional(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{name} must be a finite number >= 0, got {raw!r}")
    return value


def _parse_pem(value: str) -> str:
    # Env files and CI secrets often flatten the PEM onto one line with literal "\n".
    if "\n" not in value and "\\n" in value:
        value = value.replace("\\n", "\n")
    if "-----BEGIN" not in value or "PRIVATE KEY-----" not in value:
        # Never echo the value: it may be a real key with a typo.
        raise ConfigError("PANICSCAN_PRIVATE_KEY must be a PEM private key")
    return value + ("" if value.endswith("\n") else "\n")


def _url(env: Mapping[str, str], name: str) -> str:
    raw = _optional(env, name) or DEFAULT_GITHUB_URL
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must start with http:// or https://, got {raw!r}")
    return raw.rstrip("/")


def _log_format(env: Mapping[str, str], name: str) -> LogFormat:
    raw = (_optional(env, name) or "text").lower()
    if raw == "text":
        return "text"
    if raw == "json":
        return "json"
    raise ConfigError(f"{name} must be text or json, got {raw!r}")


def _log_level(env: Mapping[str, str], name: str) -> str:
    raw = (_optional(env, name) or "INFO").upper()
    if raw not in _LOG_LEVELS:
        raise ConfigError(f"{name} must be one of {', '.join(_LOG_LEVELS)}, got {raw!r}")
    return raw


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if value <= 0:
        raise ConfigError(f"{name} must be > 0, got {value}")
    return value


def _database_url(env: Mapping[str, str]) -> str:
    # PANICSCAN_DATABASE_URL wins; DATABASE_URL is what hosting platforms inject.
    name = "PANICSCAN_DATABASE_URL" if _optional(env, "PANICSCAN_DATABASE_URL") else "DATABASE_URL"
    raw = _optional(env, name) or DEFAULT_DATABASE_URL
    if len(raw) > 4096:
        raise ConfigError(f"{name} is too long ({len(raw)} characters)")
    if not raw.startswith(("sqlite:///", "postgresql://", "postgres://")):
        # Never echo the value: it may carry a password.
        raise ConfigError(f"{name} must start with sqlite:/// or postgresql://")
    return raw
