"""`panicscan serve` start-up failures: one line naming the setting, exit 2, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PANICSCAN = Path(sys.executable).parent / "panicscan"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANICSCAN_")}
    env.update(
        PANICSCAN_APP_ID="1",
        PANICSCAN_PRIVATE_KEY_FILE=str(pem),
        PANICSCAN_WEBHOOK_SECRET="s3cret-value",
        PANICSCAN_HOST="127.0.0.1",
    )
    env.update(extra)
    return env


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PANICSCAN), "serve"], check=False, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_port_in_use_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = _serve(_env(tmp_path, PANICSCAN_PORT=str(port)))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert "Traceback" not in run.stderr
    assert lines[-1].startswith("panicscan: PANICSCAN_HOST/PANICSCAN_PORT: cannot listen on")
    assert "s3cret-value" not in run.stderr + run.stdout


def test_a_missing_key_file_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    run = _serve(_env(tmp_path, PANICSCAN_PRIVATE_KEY_FILE=str(tmp_path / "nope.pem")))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("panicscan: PANICSCAN_PRIVATE_KEY_FILE")


async def test_credentials_github_refuses_stop_start_up_with_one_line(tmp_path: Path) -> None:
    import asyncio

    from bot.github.double import GitHubDouble

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    double = GitHubDouble(1, public)  # knows a different key than the one serve signs with
    url = await double.start()
    try:
        run = await asyncio.to_thread(_serve, _env(tmp_path, PANICSCAN_GITHUB_URL=url))
    finally:
        await double.stop()
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert (
        run.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "panicscan: PANICSCAN_APP_ID / private key: GitHub refused the app's credentials"
        )
    )


def test_a_bad_port_option_is_one_line_like_a_bad_variable(tmp_path: Path) -> None:
    for port in ("99999", "-1"):
        run = subprocess.run(
            [str(PANICSCAN), "serve", "--port", port],
            check=False,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert "PANICSCAN_PORT" in run.stderr.strip().splitlines()[-1]


def test_no_usable_temp_directory_names_tmpdir_not_the_listen_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no temp directory at all, tempfile raises even when asked where it looked."""
    import tempfile

    from bot.errors import ConfigError
    from bot.service import serve

    def nowhere(*args: object, **kwargs: object) -> str:
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.setattr(tempfile, "mkdtemp", nowhere)
    monkeypatch.setattr(tempfile, "gettempdir", nowhere)
    monkeypatch.setenv("TMPDIR", "/nonexistent/tmp")
    with pytest.raises(ConfigError) as caught:
        serve._metrics_dir()
    message = str(caught.value)
    assert "TMPDIR" in message and "/nonexistent/tmp" in message
    assert "PANICSCAN_HOST" not in message
