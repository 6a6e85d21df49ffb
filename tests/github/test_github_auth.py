"""Loading the App key, App JWT claims and the installation token cache."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from double_support import (
    APP_ID,
    INSTALLATION,
    FakeClock,
    private_pem,
    public_pem,
    run,
    running_double,
)

from bot.errors import ConfigError
from bot.github.auth import (
    InstallationTokenCache,
    ghes_api_url,
    load_private_key,
    make_app_jwt,
    parse_private_key,
)


def test_app_jwt_is_backdated_60s_and_lives_10_minutes(app_key: RSAPrivateKey) -> None:
    token = make_app_jwt(APP_ID, app_key, 1_700_000_000.7)
    claims = jwt.decode(
        token, public_pem(app_key), algorithms=["RS256"], options={"verify_exp": False}
    )
    assert claims == {"iat": 1_699_999_940, "exp": 1_700_000_540, "iss": str(APP_ID)}
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


def test_key_loads_from_pem_text_path_and_escaped_env_value(
    app_key: RSAPrivateKey, tmp_path: Path
) -> None:
    pem = private_pem(app_key)
    path = tmp_path / "app.pem"
    path.write_text(pem)
    expected = app_key.private_numbers()
    for value in (pem, str(path), pem.replace("\n", "\\n")):
        key = load_private_key(value, setting="PANICSCAN_PRIVATE_KEY")
        assert key.private_numbers() == expected


def test_unreadable_key_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PANICSCAN_PRIVATE_KEY"):
        load_private_key(str(tmp_path / "missing.pem"), setting="PANICSCAN_PRIVATE_KEY")


def test_garbage_and_non_rsa_keys_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="APP_KEY"):
        parse_private_key(
            "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----", setting="APP_KEY"
        )
    from cryptography.hazmat.primitives import serialization

    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ConfigError, match="RSA"):
        parse_private_key(ec_pem, setting="APP_KEY")


def test_ghes_base_url_has_api_v3() -> None:
    assert ghes_api_url("git.example.com") == "https://git.example.com/api/v3"


def test_token_cache_mints_once_under_concurrent_callers(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            cache = InstallationTokenCache(APP_ID, app_key, double.base_url)
            tokens = await asyncio.gather(
                *(asyncio.to_thread(cache.token, INSTALLATION) for _ in range(8))
            )
            assert len(set(tokens)) == 1
            assert cache.mint_count == 1

    run(scenario())


def test_token_cache_remints_after_expiry_and_after_invalidate(app_key: RSAPrivateKey) -> None:
    clock = FakeClock()

    async def scenario() -> None:
        async with running_double(app_key, clock=clock, token_lifetime=600) as double:
            cache = InstallationTokenCache(APP_ID, app_key, double.base_url, clock=clock)
            first = await asyncio.to_thread(cache.token, INSTALLATION)
            clock.now += 500  # 100 s left: still outside the 60 s margin
            assert await asyncio.to_thread(cache.token, INSTALLATION) == first
            clock.now += 60  # 40 s left: refresh
            second = await asyncio.to_thread(cache.token, INSTALLATION)
            assert second != first
            cache.invalidate(INSTALLATION)
            assert await asyncio.to_thread(cache.token, INSTALLATION) != second
            assert cache.mint_count == 3

    run(scenario())
