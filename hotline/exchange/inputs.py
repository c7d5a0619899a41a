"""What the exchange API's log accepts; the model parses the query and is the OpenAPI document's schema.

A platform's push (``POST /exchange/<platform>/tickets``) is not here: its body is the platform's own format,
read by that platform's adapter after the signature over the raw bytes is checked (docs/exchange.md §3.2)."""

from __future__ import annotations

from pydantic import Field

from hotline.core.api_schemas import QueryModel, choice, optional_text
from hotline.exchange.models import STATUS_NAMES


class ExchangeLogQuery(QueryModel):
    """``GET /exchange/log``: the newest messages, filtered."""

    platform: optional_text(40) = Field(default=None, description="平台编码")
    status: choice(tuple(STATUS_NAMES)) = None
    direction: choice(("in", "out")) = Field(default=None, description="in 收到的、out 发出的")
