"""The unit tree; a materialised path makes "this unit's subtree" one indexed prefix query."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.extensions import db

UNIT_KINDS = ("city", "district", "department", "enterprise", "street", "community", "grid")
UNIT_KIND_NAMES = {
    "city": "市",
    "district": "区县",
    "department": "委办局",
    "enterprise": "直通车企业",
    "street": "街道乡镇",
    "community": "社区",
    "grid": "网格",
}


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (CheckConstraint(f"kind IN {UNIT_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # "/<root code>/<child code>/…/" — subtree queries are ``path LIKE prefix%``.
    path: Mapped[str] = mapped_column(String(400), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    @classmethod
    def in_subtree_of(cls, ancestor: Unit):
        """Return the SQL condition "this unit is ``ancestor`` or lies below it" (``path LIKE prefix%``).

        ``_`` and ``%`` in the prefix are escaped: unit codes may contain them, and unescaped they would match
        other units' paths (``A_1`` would see ``AB1``'s tickets).
        """
        return cls.path.startswith(ancestor.path, autoescape=True)

    def is_within(self, ancestor: Unit) -> bool:
        """Tell whether this unit is ``ancestor`` or lies in its subtree."""
        return self.path.startswith(ancestor.path)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "parent": self.parent.code if self.parent else None,
        }

    def brief(self) -> dict:
        return {"code": self.code, "name": self.name}
