"""Categories: a three-level tree with dotted codes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.extensions import db


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    # The full path of names, "城乡建设/安全生产/事故处理", for search and display.
    path_name: Mapped[str] = mapped_column(String(300))
    level: Mapped[int] = mapped_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    active: Mapped[bool] = mapped_column(default=True)

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "path": self.path_name, "level": self.level}
