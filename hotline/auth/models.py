"""Users and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.roles import Role
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.units.models import Unit

_ROLE_VALUES = tuple(r.value for r in Role)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {_ROLE_VALUES!r}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def to_dict(self) -> dict:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "unit": self.unit.brief(),
        }


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored so a leaked table grants nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
