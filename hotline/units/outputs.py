"""What ``GET /api/v1/units`` answers (SPEC §5 ``[{code, name, parent, kind}]``), for the OpenAPI document."""

from __future__ import annotations

from pydantic import Field, RootModel

from hotline.core.api_schemas import ResponseModel


class UnitOut(ResponseModel):
    code: str
    name: str
    parent: str | None = Field(description="上级单位编码；根为 null")
    kind: str
    initials: str = Field(description="名称拼音首字母（派单时按首字母查找）")


class UnitList(RootModel[list[UnitOut]]):
    """Every active unit, in tree order."""
