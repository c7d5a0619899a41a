"""The outbox's SMS sender for a real provider, and the client and limits built from configuration."""

from __future__ import annotations

from functools import cache

from flask import Flask, current_app
from sqlalchemy.orm import object_session

from hotline.core.ratelimit import RateLimiter
from hotline.sms.aliyun import AliyunConfig, AliyunSmsClient
from hotline.sms.services import SmsSettings, queue_sms
from hotline.tickets.models import Notification


def settings_from(app: Flask) -> SmsSettings:
    """Return the SMS settings ``app`` was configured with."""
    c = app.config
    return SmsSettings(
        provider=c["HOTLINE_SMS_PROVIDER"],
        templates=dict(c["HOTLINE_SMS_TEMPLATES"]),
        per_phone_limit=c["HOTLINE_SMS_PER_PHONE_LIMIT"],
        per_phone_window=c["HOTLINE_SMS_PER_PHONE_WINDOW"],
    )


def client_from(app: Flask) -> AliyunSmsClient:
    """Return the provider client ``app`` was configured with."""
    c = app.config
    return AliyunSmsClient(
        AliyunConfig(
            endpoint=c["HOTLINE_SMS_ENDPOINT"],
            access_key_id=c["HOTLINE_SMS_ACCESS_KEY_ID"],
            access_key_secret=c["HOTLINE_SMS_ACCESS_KEY_SECRET"],
            sign_name=c["HOTLINE_SMS_SIGN_NAME"],
        )
    )


@cache
def _limiter(limit: int, window: int, redis_url: str | None) -> RateLimiter:
    return RateLimiter(limit, window, redis_url)


def limiter_from(app: Flask) -> RateLimiter:
    """Return the per-phone limiter (one per process; shared by every worker through Redis when there is one)."""
    s = settings_from(app)
    return _limiter(s.per_phone_limit, s.per_phone_window, app.config["REDIS_URL"])


class ProviderSender:
    """Puts an SMS 告知 on its way: a delivery row now, the provider call in a job after the commit."""

    def send(self, notification: Notification) -> str:
        session = object_session(notification)
        assert session is not None
        return queue_sms(session, notification, settings_from(current_app))
