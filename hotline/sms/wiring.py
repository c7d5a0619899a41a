"""Wire SMS: with ``HOTLINE_SMS_PROVIDER=aliyun`` the outbox's SMS goes to Alibaba Cloud; else to the log."""

from __future__ import annotations

import json
import os

from flask import Flask

from hotline.core.scheduler import register_periodic
from hotline.core.wiring import register_api
from hotline.sms import models  # noqa: F401  (registers the table)

PROVIDERS = ("log", "aliyun")


def init_app(app: Flask) -> None:
    """Read the provider settings; bind the provider sender to the outbox when one is configured."""
    from hotline.sms import views
    from hotline.sms.sender import ProviderSender
    from hotline.tickets import notifications

    env = os.environ.get
    c = app.config
    c.setdefault("HOTLINE_SMS_PROVIDER", env("HOTLINE_SMS_PROVIDER") or "log")
    c.setdefault("HOTLINE_SMS_ENDPOINT", env("HOTLINE_SMS_ENDPOINT") or "https://dysmsapi.aliyuncs.com/")
    c.setdefault("HOTLINE_SMS_ACCESS_KEY_ID", env("HOTLINE_SMS_ACCESS_KEY_ID") or "")
    c.setdefault("HOTLINE_SMS_ACCESS_KEY_SECRET", env("HOTLINE_SMS_ACCESS_KEY_SECRET") or "")
    c.setdefault("HOTLINE_SMS_SIGN_NAME", env("HOTLINE_SMS_SIGN_NAME") or "12345政务服务便民热线")
    # Approved template code per 告知 purpose, e.g. {"registered": "SMS_1001", "answered": "SMS_1002", …};
    # ``callback_link`` (智能回访) has the variables ``number`` and ``link`` (the /r/<token> short link).
    c.setdefault("HOTLINE_SMS_TEMPLATES", json.loads(env("HOTLINE_SMS_TEMPLATES") or "{}"))
    c.setdefault("HOTLINE_SMS_PER_PHONE_LIMIT", int(env("HOTLINE_SMS_PER_PHONE_LIMIT") or 5))
    c.setdefault("HOTLINE_SMS_PER_PHONE_WINDOW", int(env("HOTLINE_SMS_PER_PHONE_WINDOW") or 3600))
    c.setdefault("HOTLINE_SMS_RECEIPT_TOKEN", env("HOTLINE_SMS_RECEIPT_TOKEN") or "")
    if c["HOTLINE_SMS_PROVIDER"] not in PROVIDERS:
        raise RuntimeError(f"HOTLINE_SMS_PROVIDER must be one of {PROVIDERS}")
    if c["HOTLINE_SMS_PROVIDER"] == "aliyun":
        notifications.bind_sender("sms", ProviderSender)
        register_periodic(app, "hotline.sms.tasks:retry_due", every_seconds=30)
    register_api(app, views.bp)
