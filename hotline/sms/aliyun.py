"""Alibaba Cloud SMS ``SendSms`` (API version 2017-05-25) with its documented RPC request signing.

The signature (Alibaba Cloud "签名机制", RPC style, SignatureVersion 1.0):

1. every parameter except ``Signature``, sorted by name; names and values percent-encoded by RFC 3986
   (``A-Z a-z 0-9 - _ . ~`` kept, space as ``%20``, UTF-8 bytes as ``%XY``) and joined as ``k=v&k=v``;
2. ``StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(CanonicalizedQueryString)``;
3. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``.

Requests go as POST forms, so phone numbers never appear in a URL (nor in any proxy's access log).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import requests

API_VERSION = "2017-05-25"
# Provider answers that mean "try again later" rather than "this message can never be sent".
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
        "isp.RAM_PERMISSION_DENY",
    }
)


def percent_encode(value: str) -> str:
    """Encode ``value`` the way the signature requires (RFC 3986 unreserved characters kept)."""
    return quote(value, safe="-_.~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    """Return the canonical string the signature is computed over."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(method: str, params: dict[str, str], secret: str) -> str:
    """Return the ``Signature`` of a request."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class SmsError(Exception):
    """The provider refused or could not be reached; ``retryable`` tells whether trying later may help."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class SendResult:
    biz_id: str
    request_id: str


@dataclass(frozen=True)
class AliyunConfig:
    endpoint: str  # https://dysmsapi.aliyuncs.com/
    access_key_id: str
    access_key_secret: str
    sign_name: str  # the approved 短信签名, e.g. 12345政务服务便民热线
    region_id: str = "cn-hangzhou"


class AliyunSmsClient:
    """Send one templated message through ``SendSms``."""

    def __init__(self, config: AliyunConfig, http: requests.Session | None = None, timeout: float = 10) -> None:
        self.config = config
        self.http = http or requests.Session()
        self.timeout = timeout

    def signed_params(
        self,
        phone: str,
        template_code: str,
        template_param: dict,
        out_id: str,
        *,
        now: dt.datetime | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """Return the full, signed parameter set of a ``SendSms`` POST."""
        moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        params = {
            "AccessKeyId": self.config.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": out_id,
            "PhoneNumbers": phone,
            "RegionId": self.config.region_id,
            "SignName": self.config.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(template_param, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        params["Signature"] = sign("POST", params, self.config.access_key_secret)
        return params

    def send(self, phone: str, template_code: str, template_param: dict, out_id: str) -> SendResult:
        """Send; return the provider's ids, or raise :class:`SmsError`."""
        params = self.signed_params(phone, template_code, template_param, out_id)
        try:
            response = self.http.post(self.config.endpoint, data=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SmsError("network", type(exc).__name__, retryable=True) from exc
        try:
            body = response.json()
        except ValueError:
            raise SmsError(f"http_{response.status_code}", "not JSON", retryable=response.status_code >= 500) from None
        code = str(body.get("Code") or f"http_{response.status_code}")
        if code == "OK":
            return SendResult(biz_id=str(body.get("BizId") or ""), request_id=str(body.get("RequestId") or ""))
        raise SmsError(
            code, str(body.get("Message") or ""), retryable=code in RETRYABLE_CODES or response.status_code >= 500
        )
