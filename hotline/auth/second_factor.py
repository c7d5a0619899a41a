"""The TOTP second factor (RFC 6238, via pyotp) and its one-time recovery codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.auth.models import RecoveryCode, User
from hotline.core.errors import DomainError

ISSUER = "12345热线"
RECOVERY_CODES = 10
# Accept the step before and after the current one: phones drift by a few seconds.
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


def start_enrolment(session: Session, user: User) -> str:
    """Give ``user`` a fresh TOTP secret (not yet in force) and return it; refuse when one is in force."""
    if user.has_second_factor:
        raise DomainError(409, "already_enrolled", "已绑定动态验证码；如需更换请先由管理员重置")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    session.flush()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads (the QR code encodes it)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def _accept_totp(user: User, code: str, now: dt.datetime) -> bool:
    """Accept a current TOTP code once: a step at or before the last accepted one is a replay."""
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(session: Session, user: User, code: str, now: dt.datetime) -> list[str]:
    """Put the pending secret in force once ``code`` proves the phone has it; return new recovery codes once."""
    if user.has_second_factor:
        raise DomainError(409, "already_enrolled", "已绑定动态验证码")
    if not user.totp_secret:
        raise DomainError(409, "no_pending_enrolment", "请先开始绑定动态验证码")
    if not _accept_totp(user, code.strip(), now):
        raise DomainError(422, "invalid_code", "动态验证码不正确或已过期", field="code")
    user.totp_enabled_at = now
    return new_recovery_codes(session, user, now)


def new_recovery_codes(session: Session, user: User, now: dt.datetime) -> list[str]:
    """Replace ``user``'s recovery codes; return the plain codes (shown once, only their hashes are kept)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_sha256=_digest(raw), created_at=now))
    session.flush()
    return codes


def verify_second_factor(session: Session, user: User, code: str, now: dt.datetime) -> str | None:
    """Check a TOTP code or an unused recovery code; return which one passed (``totp``/``recovery``) or None."""
    code = (code or "").strip()
    if not user.has_second_factor or not code:
        return None
    if _accept_totp(user, code, now):
        session.flush()
        return "totp"
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_sha256 == _digest(code), RecoveryCode.used_at.is_(None)
        )
    )
    if row is None:
        return None
    row.used_at = now
    session.flush()
    return "recovery"


def recovery_codes_left(session: Session, user: User) -> int:
    """Count ``user``'s unused recovery codes."""
    rows = session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return len(rows.all())


def remove_second_factor(session: Session, user: User) -> None:
    """Take the second factor off ``user`` (an admin's reset after a lost phone); recovery codes go too."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
