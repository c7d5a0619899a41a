"""What the sign-in API accepts: each model parses the body and is the OpenAPI document's schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hotline.core.api_schemas import ApiModel, optional_text, required_text


class Credentials(ApiModel):
    """``POST /api/v1/auth/token``: user name, password and, for users who have one, the second factor."""

    username: required_text(80) = Field(description="用户名")
    password: Annotated[str, Field(min_length=1, max_length=200, description="密码（原样比对，不去空格）")]
    otp: optional_text(40) = Field(default=None, description="动态验证码或一次性恢复码")
