"""What the dispatch API's proposal accepts; the model parses the body and is the OpenAPI document's schema."""

from __future__ import annotations

from pydantic import Field

from hotline.core.api_schemas import ApiModel, choice, optional_text
from hotline.tickets.models import KINDS


class Proposal(ApiModel):
    """``POST /dispatch/propose``: at least one of text, category, address."""

    text: optional_text(20000) = Field(default=None, description="诉求内容")
    category: optional_text(40) = Field(default=None, description="分类编码")
    address: optional_text(300) = None
    kind: choice(KINDS) = None
