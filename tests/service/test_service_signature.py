import hashlib
import hmac

import pytest

from bot.service.signature import sign, verify_signature

SECRET = b"It's a Secret to Everybody"
BODY = b"Hello, World!"
GITHUB_VECTOR = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_sign_matches_githubs_documented_vector() -> None:
    assert sign(SECRET, BODY) == GITHUB_VECTOR


def test_githubs_documented_vector_verifies() -> None:
    assert verify_signature(SECRET, BODY, GITHUB_VECTOR)


def test_uppercase_hex_digest_verifies() -> None:
    assert verify_signature(SECRET, BODY, "sha256=" + GITHUB_VECTOR[7:].upper())


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "missing header"),
        ("", "empty header"),
        (GITHUB_VECTOR[7:], "no prefix"),
        ("SHA256=" + GITHUB_VECTOR[7:], "prefix in the wrong case"),
        ("sha1=" + hmac.new(SECRET, BODY, hashlib.sha1).hexdigest(), "legacy sha1 signature"),
        ("sha256=" + "z" * 64, "non-hex digest"),
        (GITHUB_VECTOR[:-2], "digest too short"),
        (GITHUB_VECTOR + "00", "digest too long"),
        ("sha256=" + " ".join([GITHUB_VECTOR[7:39], GITHUB_VECTOR[40:]]), "whitespace in digest"),
        ("sha256=" + "0" * 64, "wrong digest"),
        (GITHUB_VECTOR[:-1] + "f", "one hex digit off"),
    ],
)
def test_malformed_or_wrong_signature_is_rejected(header: str | None, why: str) -> None:
    assert not verify_signature(SECRET, BODY, header), why


def test_body_altered_after_signing_is_rejected() -> None:
    assert not verify_signature(SECRET, BODY + b" ", GITHUB_VECTOR)
    assert not verify_signature(SECRET, b"Hello, World?", GITHUB_VECTOR)


def test_other_secret_is_rejected() -> None:
    assert not verify_signature(b"It's a Secret to Nobody", BODY, GITHUB_VECTOR)


def test_empty_secret_never_verifies_even_a_matching_signature() -> None:
    assert not verify_signature(b"", BODY, sign(b"", BODY))
