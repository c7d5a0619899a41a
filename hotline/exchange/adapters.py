"""Upper platforms behind one interface: a Protocol every adapter implements, and the JSON adapter (json-v1).

An adapter speaks one platform protocol; the services (pull, receive, deliver, replay) never see HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import requests

from hotline.exchange.models import ExchangePlatform
from hotline.exchange.signing import sign

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class AttachmentRef:
    name: str
    url: str
    mime: str | None = None
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class InboundTicket:
    """A ticket an upper platform assigned to the city, in the platform's own terms."""

    external_id: str
    content: str
    title: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    address: str | None = None
    kind: str | None = None
    urgent: bool = False
    due_at: dt.datetime | None = None
    source_name: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PullPage:
    tickets: list[InboundTicket]
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class OutboundMessage:
    message_id: str  # the idempotency key: the same message sent again is the same id
    external_id: str
    kind: str
    seq: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class Acknowledgement:
    ack_id: str
    duplicate: bool  # the platform had it already (our earlier try reached it; its answer did not reach us)


class ExchangeError(Exception):
    """The platform did not take the request. ``retry``: worth trying again later (down, 5xx, timeout)."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class InvalidTicket(ValueError):
    """An inbound ticket that does not follow the format (refused, with the field)."""


class UpperPlatformAdapter(Protocol):
    """What the exchange needs from a platform protocol."""

    def pull(self, cursor: str | None, limit: int) -> PullPage: ...

    def acknowledge(self, receipts: list[tuple[str, str]]) -> None: ...

    def send(self, message: OutboundMessage) -> Acknowledgement: ...

    def parse_tickets(self, body: Any) -> list[InboundTicket]: ...


def _text(raw: dict, name: str, *, required: bool = False, limit: int = 2000) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise InvalidTicket(f"缺少字段 {name}")
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise InvalidTicket(f"字段 {name} 无效")
    return value.strip()


def _parse_ticket(raw: Any) -> InboundTicket:
    if not isinstance(raw, dict):
        raise InvalidTicket("工单必须是 JSON 对象")
    external_id = _text(raw, "ticket_id", required=True, limit=80) or ""
    deadline = _text(raw, "deadline", limit=40)
    due_at = None
    if deadline:
        try:
            due_at = dt.datetime.fromisoformat(deadline)
        except ValueError:
            raise InvalidTicket("字段 deadline 不是 ISO 8601 时间") from None
        if due_at.tzinfo is None:
            raise InvalidTicket("字段 deadline 须带时区")
    citizen = raw.get("citizen") or {}
    if not isinstance(citizen, dict):
        raise InvalidTicket("字段 citizen 无效")
    attachments = raw.get("attachments") or []
    if not isinstance(attachments, list) or len(attachments) > 50:
        raise InvalidTicket("字段 attachments 无效")
    refs = []
    for item in attachments:
        if not isinstance(item, dict):
            raise InvalidTicket("附件必须是 JSON 对象")
        url = _text(item, "url", required=True, limit=1000) or ""
        if urlsplit(url).scheme not in ("http", "https"):
            raise InvalidTicket("附件地址必须是 http(s)")
        size = item.get("size")
        refs.append(
            AttachmentRef(
                name=_text(item, "name", required=True, limit=200) or "",
                url=url,
                mime=_text(item, "mime", limit=100),
                sha256=_text(item, "sha256", limit=64),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return InboundTicket(
        external_id=external_id,
        content=_text(raw, "content", required=True, limit=10000) or "",
        title=_text(raw, "title", limit=200),
        caller_name=_text(citizen, "name", limit=80),
        caller_phone=_text(citizen, "phone", limit=30),
        address=_text(raw, "address", limit=300),
        kind=_text(raw, "kind", limit=20),
        urgent=raw.get("urgent") is True,
        due_at=due_at,
        source_name=_text(raw, "source", limit=80),
        attachments=tuple(refs),
        raw=raw,
    )


class JsonExchangeAdapter:
    """The documented JSON exchange (docs/exchange.md) over HTTPS with HMAC-SHA256 signed requests."""

    def __init__(self, platform: ExchangePlatform, http: requests.Session | None = None) -> None:
        self.base = platform.base_url.rstrip("/")
        self.prefix = urlsplit(self.base).path
        self.key_id, self.secret = platform.key_id, platform.secret
        self.http = http or requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = sign(self.secret, method, self.prefix + path, data, self.key_id)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(
                method, self.base + path, data=data or None, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            raise ExchangeError(f"无法连接上级平台：{type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise ExchangeError(f"上级平台暂不可用（HTTP {response.status_code}）")
        if response.status_code >= 400:
            raise ExchangeError(f"上级平台拒收（HTTP {response.status_code}）：{response.text[:200]}", retry=False)
        try:
            return response.json()
        except ValueError:
            raise ExchangeError("上级平台的应答不是 JSON") from None

    def pull(self, cursor: str | None, limit: int) -> PullPage:
        query = urlencode({"cursor": cursor or "", "limit": limit})
        answer = self._call("GET", f"/api/exchange/v1/tickets?{query}")
        if not isinstance(answer, dict) or not isinstance(answer.get("tickets"), list):
            raise ExchangeError("上级平台的应答缺少 tickets")
        return PullPage(self.parse_tickets(answer), answer.get("next_cursor") or None, bool(answer.get("has_more")))

    def acknowledge(self, receipts: list[tuple[str, str]]) -> None:
        self._call(
            "POST",
            "/api/exchange/v1/tickets/ack",
            {"receipts": [{"ticket_id": ext, "local_number": number} for ext, number in receipts]},
        )

    def send(self, message: OutboundMessage) -> Acknowledgement:
        answer = self._call("POST", "/api/exchange/v1/status", {"message_id": message.message_id, **message.payload})
        if not isinstance(answer, dict) or not isinstance(answer.get("ack_id"), str) or not answer["ack_id"]:
            raise ExchangeError("上级平台的应答缺少 ack_id")
        return Acknowledgement(answer["ack_id"][:120], bool(answer.get("duplicate")))

    def parse_tickets(self, body: Any) -> list[InboundTicket]:
        if not isinstance(body, dict) or not isinstance(body.get("tickets"), list) or len(body["tickets"]) > 200:
            raise InvalidTicket('请求体须为 {"tickets": [...]}（最多 200 件）')
        return [_parse_ticket(raw) for raw in body["tickets"]]


# The protocols we speak, by the name a platform row gives (data, not code: a new platform is a row).
ADAPTERS: dict[str, Callable[[ExchangePlatform], UpperPlatformAdapter]] = {"json-v1": JsonExchangeAdapter}


def adapter_for(platform: ExchangePlatform) -> UpperPlatformAdapter:
    """Return the adapter that speaks ``platform``'s protocol."""
    return ADAPTERS[platform.adapter](platform)
