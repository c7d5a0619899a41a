"""The Alibaba Cloud SMS adapter against the documented signature and a separate fake provider process."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from hotline.sms.aliyun import AliyunConfig, AliyunSmsClient, SmsError, sign, string_to_sign

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-for-the-fake"
PORTS = range(5160, 5170)

# The worked example of Alibaba Cloud's SMS "签名机制" page (help.aliyun.com/document_detail/101343):
# AccessKeyId testId, AccessKeySecret testSecret, these parameters, GET → Signature zJDF+Lrzhj/ThnlvIToysFRq6t4=.
DOC_PARAMS = {
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "AccessKeyId": "testId",
    "SignatureVersion": "1.0",
    "Timestamp": "2017-07-12T02:42:19Z",
    "Format": "XML",
    "Action": "SendSms",
    "Version": "2017-05-25",
    "RegionId": "cn-hangzhou",
    "PhoneNumbers": "15300000001",
    "SignName": "阿里云短信测试专用",
    "TemplateParam": '{"customer":"test"}',
    "TemplateCode": "SMS_71390007",
    "OutId": "123",
}


def test_the_signature_matches_the_documented_example():
    assert string_to_sign("GET", DOC_PARAMS).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
        "%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591"
    )
    assert sign("GET", DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sign("GET", DOC_PARAMS | {"Signature": "ignored"}, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sign("POST", DOC_PARAMS, "testSecret") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def _port() -> int:
    for port in PORTS:
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    pytest.fail("no free port in 5160-5169 for the fake SMS provider")


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> Iterator[dict]:
    """The fake provider in its own process; yields its endpoint and the file of requests it accepted."""
    log = tmp_path_factory.mktemp("fake-sms") / "accepted.jsonl"
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sms.fake_aliyun", str(port), SECRET, str(log)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 15
    while True:
        with contextlib.suppress(requests.RequestException):
            requests.post(endpoint + "__fail?times=0", timeout=1)
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("fake provider did not start")
        time.sleep(0.1)
    yield {"endpoint": endpoint, "log": log}
    proc.terminate()
    proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()


def accepted(provider) -> list[dict]:
    path = provider["log"]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _client(provider, secret: str = SECRET) -> AliyunSmsClient:
    return AliyunSmsClient(AliyunConfig(provider["endpoint"], "test-key-id", secret, "12345政务服务便民热线"))


def test_the_fake_provider_accepts_our_signed_requests_and_refuses_a_wrong_secret(provider):
    result = _client(provider).send("13900000001", "SMS_1001", {"number": "20261202000001"}, "1")
    assert result.biz_id
    seen = accepted(provider)[-1]
    assert seen["method"] == "POST" and seen["params"]["PhoneNumbers"] == "13900000001"
    assert json.loads(seen["params"]["TemplateParam"]) == {"number": "20261202000001"}
    with pytest.raises(SmsError) as refused:
        _client(provider, "some-other-secret").send("13900000001", "SMS_1001", {}, "2")
    assert refused.value.code == "SignatureDoesNotMatch" and not refused.value.retryable
    # the same nonce twice is a replay
    client = _client(provider)
    params = client.signed_params("13900000001", "SMS_1001", {}, "3", nonce="fixed-nonce-" + uuid.uuid4().hex)
    assert requests.post(provider["endpoint"], data=params, timeout=5).json()["Code"] == "OK"
    assert requests.post(provider["endpoint"], data=params, timeout=5).json()["Code"] == "SignatureNonceUsed"


@pytest.fixture
def sms_app(app, jobs_in_process, monkeypatch, provider):
    """The app with the Alibaba Cloud sender bound to the outbox, pointed at the fake provider."""
    from hotline.sms.sender import ProviderSender
    from hotline.tickets import notifications

    monkeypatch.setitem(notifications.SENDERS, "sms", ProviderSender)
    for key, value in {
        "HOTLINE_SMS_PROVIDER": "aliyun",
        "HOTLINE_SMS_ENDPOINT": provider["endpoint"],
        "HOTLINE_SMS_ACCESS_KEY_ID": "test-key-id",
        "HOTLINE_SMS_ACCESS_KEY_SECRET": SECRET,
        "HOTLINE_SMS_TEMPLATES": {"registered": "SMS_1001", "answered": "SMS_1002", "closed": "SMS_1003"},
        "HOTLINE_SMS_PER_PHONE_LIMIT": 2,
        "HOTLINE_SMS_RECEIPT_TOKEN": "receipt-token",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return app


def _deliveries(app):
    from hotline.core.extensions import db
    from hotline.sms.models import SmsDelivery
    from hotline.tickets.models import Notification

    with app.app_context():
        rows = [
            (d, db.session.get(Notification, d.notification_id))
            for d in db.session.scalars(select(SmsDelivery).order_by(SmsDelivery.id))
        ]
        out = [
            {
                "id": d.id,
                "status": d.status,
                "attempts": d.attempts,
                "biz_id": d.biz_id,
                "template": d.template_code,
                "next": d.next_attempt_at,
                "outbox": n.status,
                "receipt": d.receipt_code,
            }
            for d, n in rows
        ]
        db.session.remove()
    return out


def _phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def test_a_registration_notice_is_sent_by_sms_and_its_receipt_recorded(sms_app, api, provider, caplog):
    phone = _phone()
    with caplog.at_level(logging.INFO):
        number = api.new_ticket(caller_phone=phone)["number"]
    [delivery] = _deliveries(sms_app)
    assert (delivery["status"], delivery["template"], delivery["outbox"], delivery["attempts"]) == (
        "sent",
        "SMS_1001",
        "sent",
        1,
    )
    seen = next(r for r in accepted(provider) if r["biz_id"] == delivery["biz_id"])
    assert seen["params"]["PhoneNumbers"] == phone and seen["params"]["TemplateCode"] == "SMS_1001"
    assert json.loads(seen["params"]["TemplateParam"])["number"] == number
    assert phone not in caplog.text  # phone numbers never reach the logs

    client = sms_app.test_client()
    report = [
        {
            "phone_number": phone,
            "send_time": "2026-12-02 10:00:00",
            "report_time": "2026-12-02 10:00:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": delivery["biz_id"],
            "out_id": "1",
        }
    ]
    assert client.post("/api/v1/sms/receipts/aliyun?token=wrong", json=report).status_code == 403
    answer = client.post("/api/v1/sms/receipts/aliyun?token=receipt-token", json=report)
    assert answer.status_code == 200 and answer.get_json()["code"] == 0
    [delivery] = _deliveries(sms_app)
    assert (delivery["status"], delivery["outbox"], delivery["receipt"]) == ("delivered", "delivered", "DELIVERED")


def test_failures_are_retried_with_backoff_then_sent(sms_app, api, provider, monkeypatch):
    monkeypatch.setitem(sms_app.config, "HOTLINE_SMS_PER_PHONE_LIMIT", 10)  # every attempt counts against the phone
    from hotline.core.extensions import db
    from hotline.sms import tasks

    requests.post(provider["endpoint"] + "__fail?times=2&code=ServiceUnavailable", timeout=5)
    api.new_ticket(caller_phone=_phone())
    [first] = _deliveries(sms_app)
    assert (first["status"], first["attempts"], first["outbox"]) == ("queued", 1, "queued")
    with sms_app.app_context():
        assert tasks.send_sms(first["id"]) == "queued"
        db.session.remove()
    [second] = _deliveries(sms_app)
    assert second["attempts"] == 2 and (second["next"] - first["next"]).total_seconds() > 60  # the wait grows
    with sms_app.app_context():
        assert tasks.send_sms(first["id"]) == "sent"
        db.session.remove()
    [done] = _deliveries(sms_app)
    assert (done["status"], done["attempts"], done["outbox"]) == ("sent", 3, "sent")


def test_a_permanent_refusal_fails_the_outbox_row(sms_app, api, provider, monkeypatch):
    monkeypatch.setitem(sms_app.config, "HOTLINE_SMS_ACCESS_KEY_SECRET", "wrong-secret")
    api.new_ticket(caller_phone=_phone())
    [delivery] = _deliveries(sms_app)
    assert (delivery["status"], delivery["attempts"], delivery["outbox"]) == ("failed", 1, "failed")


def test_messages_to_one_phone_are_rate_limited(sms_app, api, provider):
    phone = _phone()
    for i in range(3):
        api.new_ticket(caller_phone=phone, content=f"第{i}次反映：小区门口路灯坏了一个月，晚上很黑")
    statuses = [d["status"] for d in _deliveries(sms_app)]
    assert statuses == ["sent", "sent", "rate_limited"]
    sent_to_phone = [r for r in accepted(provider) if r["params"]["PhoneNumbers"] == phone]
    assert len(sent_to_phone) == 2
