"""HMAC-SHA256 request signatures of the JSON exchange (docs/exchange.md §2), both directions.

The canonical string is five lines: METHOD, PATH (with its query string, as sent), TIMESTAMP (Unix seconds),
NONCE, and the lowercase hex SHA-256 of the body (of the empty string for a GET). The signature is the
lowercase hex HMAC-SHA256 of that string under the shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

# A request older or newer than this is refused (clocks of both sides are NTP-synchronised).
MAX_SKEW_SECONDS = 300
HEADER_KEY = "X-Exchange-Key"
HEADER_TIMESTAMP = "X-Exchange-Timestamp"
HEADER_NONCE = "X-Exchange-Nonce"
HEADER_SIGNATURE = "X-Exchange-Signature"


def canonical_string(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Return the string both sides sign."""
    return "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()))


def sign(
    secret: str, method: str, path: str, body: bytes, key_id: str, *, now: float | None = None, nonce: str | None = None
) -> dict[str, str]:
    """Return the headers that sign a request."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = nonce or secrets.token_hex(16)
    signature = hmac.new(
        secret.encode(), canonical_string(method, path, timestamp, nonce, body).encode(), hashlib.sha256
    ).hexdigest()
    return {HEADER_KEY: key_id, HEADER_TIMESTAMP: timestamp, HEADER_NONCE: nonce, HEADER_SIGNATURE: signature}


class BadSignature(Exception):
    """The request is not signed by the holder of the secret, or is stale."""


def verify(
    secret: str, method: str, path: str, body: bytes, headers: Mapping[str, str], *, now: float | None = None
) -> str:
    """Check the signature headers of a request; return its nonce (the caller refuses a nonce seen before)."""
    timestamp, nonce = headers.get(HEADER_TIMESTAMP, ""), headers.get(HEADER_NONCE, "")
    given = headers.get(HEADER_SIGNATURE, "")
    if not timestamp.isdigit() or not 8 <= len(nonce) <= 64 or not given:
        raise BadSignature("missing signature headers")
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        raise BadSignature("timestamp outside the window")
    expected = hmac.new(
        secret.encode(), canonical_string(method, path, timestamp, nonce, body).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise BadSignature("signature mismatch")
    return nonce
