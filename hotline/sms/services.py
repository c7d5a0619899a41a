"""Sending 告知 by SMS through a provider: one delivery per outbox message, retried with backoff, limited per
phone, closed by the provider's delivery receipt. Phone numbers are never logged (deliveries are named by id)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core import clock
from hotline.core.effects import defer
from hotline.core.ratelimit import RateLimiter
from hotline.sms.aliyun import SendResult, SmsError
from hotline.sms.models import SmsDelivery
from hotline.tickets.models import Notification, Ticket

log = logging.getLogger("hotline.sms")
# Seconds to wait before attempt 2, 3, 4, 5; then the message is given up (and the outbox row says so).
BACKOFF = (30, 120, 600, 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1


class SmsClient(Protocol):
    def send(self, phone: str, template_code: str, template_param: dict, out_id: str) -> SendResult: ...


@dataclass(frozen=True)
class SmsSettings:
    """What the provider needs from us: approved template per 告知 purpose, and the per-phone limit."""

    provider: str
    templates: dict[str, str]
    per_phone_limit: int
    per_phone_window: int


def phone_key(phone: str) -> str:
    """Return the rate-limit key of a phone number (a hash: not even Redis keys hold the number)."""
    return "sms:" + hashlib.sha256(phone.encode()).hexdigest()[:32]


def template_params(notification: Notification, ticket: Ticket) -> dict[str, str]:
    """Return the template variables of a message (providers send only approved templates with variables)."""
    params = {"number": ticket.number}
    if notification.purpose == "registered" and ticket.dispatch_due:
        params["due"] = clock.to_local(ticket.dispatch_due).strftime("%m月%d日%H:%M")
    link = (notification.body or "").rsplit("http", 1)
    if len(link) == 2 and "/r/" in link[1]:
        params["link"] = "http" + link[1].split()[0].rstrip("。")
    return params


def queue_sms(session: Session, notification: Notification, settings: SmsSettings) -> str:
    """Create the delivery of an outbox message and send it after the commit; return the outbox status."""
    code = settings.templates.get(notification.purpose)
    if not code or not notification.recipient:
        log.warning("短信未发送：告知 %s 的用途 %s 没有已审核的模板", notification.id, notification.purpose)
        return "failed"
    delivery = SmsDelivery(
        notification_id=notification.id,
        provider=settings.provider,
        template_code=code,
        status="queued",
        created_at=clock.now(),
    )
    session.add(delivery)
    session.flush()
    defer(session, "hotline.sms.tasks:send_sms", delivery.id)
    return "queued"


def attempt_delivery(
    session: Session,
    delivery_id: int,
    client: SmsClient,
    limiter: RateLimiter,
    settings: SmsSettings,
    *,
    now: dt.datetime | None = None,
) -> str | None:
    """Try to send one delivery now; return its new status (None when it was not waiting to be sent)."""
    moment = now or clock.now()
    delivery = session.get(SmsDelivery, delivery_id)
    if delivery is None or delivery.status not in ("queued", "rate_limited"):
        return None
    notification = session.get(Notification, delivery.notification_id)
    ticket = session.get(Ticket, notification.ticket_id)
    phone = notification.recipient or ""
    if not limiter.allow(phone_key(phone)):
        delivery.status = "rate_limited"
        delivery.next_attempt_at = moment + dt.timedelta(seconds=settings.per_phone_window)
        log.info("短信 %s 受单号码频率限制，稍后重试", delivery.id)
        return delivery.status
    delivery.attempts += 1
    try:
        result = client.send(phone, delivery.template_code, template_params(notification, ticket), str(notification.id))
    except SmsError as exc:
        delivery.last_error = str(exc)[:200]
        if exc.retryable and delivery.attempts < MAX_ATTEMPTS:
            delivery.status = "queued"
            delivery.next_attempt_at = moment + dt.timedelta(seconds=BACKOFF[delivery.attempts - 1])
        else:
            delivery.status = "failed"
            notification.status = "failed"
        log.warning("短信 %s 第 %d 次发送失败（%s）→ %s", delivery.id, delivery.attempts, exc.code, delivery.status)
        return delivery.status
    delivery.status, delivery.biz_id, delivery.request_id, delivery.sent_at = (
        "sent",
        result.biz_id,
        result.request_id,
        moment,
    )
    delivery.next_attempt_at = None
    notification.status, notification.sent_at = "sent", moment
    log.info("短信 %s 已提交服务商（第 %d 次）", delivery.id, delivery.attempts)
    return delivery.status


def due_deliveries(session: Session, now: dt.datetime) -> list[int]:
    """Return the deliveries whose next attempt is due."""
    query = select(SmsDelivery.id).where(
        SmsDelivery.status.in_(("queued", "rate_limited")),
        SmsDelivery.next_attempt_at.is_not(None),
        SmsDelivery.next_attempt_at <= now,
    )
    return list(session.scalars(query.order_by(SmsDelivery.id).limit(500)))


def record_receipts(session: Session, reports: list[dict], now: dt.datetime | None = None) -> int:
    """Record the provider's delivery receipts (Alibaba Cloud SmsReport: ``biz_id``, ``success``, ``err_code``,
    ``report_time``); return how many matched a delivery."""
    matched = 0
    for report in reports:
        biz_id = str(report.get("biz_id") or "")
        delivery = session.scalar(select(SmsDelivery).where(SmsDelivery.biz_id == biz_id)) if biz_id else None
        if delivery is None:
            continue
        matched += 1
        delivered = report.get("success") is True
        delivery.status = "delivered" if delivered else "undelivered"
        delivery.receipt_code = str(report.get("err_code") or "")[:40]
        delivery.receipt_at = _parse_time(report.get("report_time")) or now or clock.now()
        notification = session.get(Notification, delivery.notification_id)
        notification.status = "delivered" if delivered else "failed"
    session.flush()
    return matched


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=clock.TZ)
