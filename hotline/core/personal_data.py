"""Masking personal data (phone numbers, ID-card numbers, e-mail addresses) wherever text leaves the system.

The one pattern for "personal numbers inside free text": public views, 举报 redaction and the log all use it.
"""

from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str | None:
    """Return ``138****5678`` for ``13812345678`` (keeps the first 3 and last 4 digits)."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str | None:
    """Return ``张*`` for ``张三``."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


# 18-digit 居民身份证 numbers, mobile numbers (optionally +86), landlines with an area code, e-mail addresses.
PERSONAL_NUMBER = re.compile(
    r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])"
    r"|[\w.+-]+@[\w-]+\.[\w.]+"
)


def _mask_match(match: re.Match[str]) -> str:
    text = match.group()
    if "@" in text:
        return "***@***"
    return mask_phone(re.sub(r"[- ]", "", text)) or ""


def redact_personal_data(text: str | None) -> str | None:
    """Return ``text`` with phone numbers, ID card numbers and e-mail addresses masked."""
    if not text:
        return text
    return PERSONAL_NUMBER.sub(_mask_match, text)
