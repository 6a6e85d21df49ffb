"""Fixtures for the GitHub layer tests: a real RSA key and GitHub's OpenAPI file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

ROOT = Path(__file__).resolve().parents[2]
NPM = ROOT / "tests" / "fixtures" / "npm" / "node_modules"


@pytest.fixture(scope="session")
def app_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def npm_fixtures() -> Path:
    """tests/fixtures/npm/node_modules, fetched by scripts/fetch-fixtures if missing."""
    if not (NPM / "@octokit" / "openapi").is_dir():
        subprocess.run([str(ROOT / "scripts" / "fetch-fixtures")], check=True, timeout=300)
    return NPM
