"""GitHub webhook signatures: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``."""

from __future__ import annotations

import hashlib
import hmac

_PREFIX = "sha256="
_HEX_LEN = hashlib.sha256().digest_size * 2


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub would send for `body` (used by tests and the demo)."""
    return _PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """True only if `header` is a well-formed SHA-256 signature of the exact `body` bytes."""
    if not secret or header is None or not header.startswith(_PREFIX):
        # An empty secret would let anyone sign; the legacy `sha1=` header is not accepted.
        return False
    digest = header[len(_PREFIX) :]
    if len(digest) != _HEX_LEN:
        return False
    try:
        given = bytes.fromhex(digest)
    except ValueError:
        return False
    if len(given) != _HEX_LEN // 2:  # fromhex skips whitespace, so recheck the length
        return False
    expected = hmac.new(secret, body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, given)
