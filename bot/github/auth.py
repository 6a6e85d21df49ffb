"""GitHub App authentication: the private key, App JWTs and cached installation tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jwt
from cachetools import TLRUCache
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from github import Auth, GithubIntegration

from bot.errors import ConfigError
from bot.github.errors_map import github_errors

GITHUB_COM_API = "https://api.github.com"
JWT_BACKDATE = 60  # GitHub: set iat 60 s in the past against clock drift
JWT_LIFETIME = 540  # exp = now + 9 min, so exp - iat stays within GitHub's 10 min
REFRESH_MARGIN = 60.0  # re-mint a token this close to its expiry
PEM_MARKER = "-----BEGIN"


def ghes_api_url(host: str) -> str:
    """The REST base URL of a GitHub Enterprise Server host."""
    return f"https://{host}/api/v3"


def parse_private_key(pem: str | bytes, *, setting: str) -> RSAPrivateKey:
    """An RSA private key from PEM text; `setting` names where it came from in errors."""
    text = pem.decode("utf-8", errors="replace") if isinstance(pem, bytes) else pem
    if "\\n" in text and "\n" not in text.strip():
        text = text.replace("\\n", "\n")  # keys pasted into env vars often lose newlines
    try:
        key = serialization.load_pem_private_key(text.strip().encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{setting}: not a readable PEM private key ({exc})") from exc
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError(f"{setting}: GitHub App keys are RSA, got {type(key).__name__}")
    return key


def load_private_key(value: str, *, setting: str) -> RSAPrivateKey:
    """The key from `value`, which is either PEM text or a path to a PEM file."""
    if PEM_MARKER in value:
        return parse_private_key(value, setting=setting)
    try:
        data = Path(value).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot read private key file {value!r}: {exc}") from exc
    return parse_private_key(data, setting=setting)


def make_app_jwt(app_id: int, key: RSAPrivateKey, now: float) -> str:
    """An RS256 App JWT valid from 60 s ago for 10 minutes, as GitHub requires."""
    issued = int(now)
    claims = {"iat": issued - JWT_BACKDATE, "exp": issued + JWT_LIFETIME, "iss": str(app_id)}
    return jwt.encode(claims, key, algorithm="RS256")


class _AppJwtAuth(Auth.AppAuth):
    """PyGithub's App auth with our JWT claims and clock (one owner of the claims)."""

    def __init__(self, app_id: int, key: RSAPrivateKey, clock: Callable[[], float]) -> None:
        super().__init__(app_id, sign_func=self._unused_sign)
        self._numeric_app_id = app_id
        self._key = key
        self._clock = clock

    @staticmethod
    def _unused_sign(payload: dict[str, object]) -> str:
        raise AssertionError("create_jwt is overridden; PyGithub's signer is never used")

    def create_jwt(self, expiration: int | None = None) -> str:
        return make_app_jwt(self._numeric_app_id, self._key, self._clock())


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: float  # epoch seconds


class InstallationTokenCache:
    """Installation tokens minted on demand and reused until 60 s before expiry.

    Thread-safe: callers run it from `asyncio.to_thread` workers. One lock guards
    both the cache and PyGithub's integration client, which is not thread-safe.
    """

    def __init__(
        self,
        app_id: int,
        key: RSAPrivateKey,
        base_url: str = GITHUB_COM_API,
        *,
        timeout: int = 15,
        refresh_margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
        maxsize: int = 4096,
    ) -> None:
        self._clock = clock
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._cache: TLRUCache[int, InstallationToken] = TLRUCache(
            maxsize=maxsize, ttu=self._expiry_of, timer=clock
        )
        self._integration = GithubIntegration(
            auth=_AppJwtAuth(app_id, key, clock),
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self.mint_count = 0

    def _expiry_of(self, _key: int, token: InstallationToken, _now: float) -> float:
        return token.expires_at - self._margin

    def token(self, installation_id: int) -> str:
        """A valid token for the installation, minting one if needed (blocking)."""
        with self._lock:
            cached = self._cache.get(installation_id)
            if cached is not None:
                return cached.token
            minted = self._mint(installation_id)
            self._cache[installation_id] = minted
            return minted.token

    def invalidate(self, installation_id: int) -> None:
        """Forget a token GitHub rejected, so the next call mints a fresh one."""
        with self._lock:
            self._cache.pop(installation_id, None)

    def app_slug(self) -> str:
        """The App's slug (GET /app with the app JWT): its bot user is `<slug>[bot]`."""
        with github_errors("GET /app"):
            return str(self._integration.get_app().slug)

    def _mint(self, installation_id: int) -> InstallationToken:
        endpoint = f"POST /app/installations/{installation_id}/access_tokens"
        with github_errors(endpoint):
            grant = self._integration.get_access_token(installation_id)
        self.mint_count += 1
        return InstallationToken(token=grant.token, expires_at=grant.expires_at.timestamp())
