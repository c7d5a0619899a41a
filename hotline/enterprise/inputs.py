"""What ``POST /tickets/<number>/enterprise`` accepts; the model parses the body and is the document's schema.

The credit code's check digit is the service's (``check_credit_code``), as at intake."""

from __future__ import annotations

from pydantic import Field

from hotline.core.api_schemas import ApiModel, ResponseModel, optional_text, required_text


class EnterpriseBody(ApiModel):
    """The enterprise behind a 涉企 ticket."""

    name: required_text(200) = Field(description="企业名称")
    credit_code: required_text(40) = Field(description="统一社会信用代码（18 位）")
    contact_name: optional_text(80) = Field(default=None, description="企业联系人")
    contact_phone: optional_text(30) = Field(default=None, description="联系电话")


class EnterpriseAnswer(ResponseModel):
    number: str = Field(pattern=r"^[0-9]{14}$")
    enterprise: str | None
    credit_code: str | None
