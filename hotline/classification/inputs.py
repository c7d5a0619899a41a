"""What the classifier API accepts; each model parses the body and is the OpenAPI document's schema."""

from __future__ import annotations

from pydantic import Field

from hotline.core.api_schemas import ApiModel, required_text


class TextToClassify(ApiModel):
    """``POST /classify``."""

    text: required_text(20000) = Field(description="诉求内容")


class Promotion(ApiModel):
    """``POST /classifier/versions/<version>/promote``."""

    force: bool | None = Field(default=None, description="固定测试集上不如当前版本时仍启用")
