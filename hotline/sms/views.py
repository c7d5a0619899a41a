"""Delivery receipts pushed by the provider (Alibaba Cloud SmsReport over HTTP), authenticated by a shared token."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, jsonify, request

from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.sms.services import record_receipts

bp = Blueprint("sms_receipts", __name__, url_prefix="/api/v1/sms")


@bp.post("/receipts/aliyun")
def aliyun_receipts():
    expected = current_app.config["HOTLINE_SMS_RECEIPT_TOKEN"]
    if not expected or not secrets.compare_digest(request.args.get("token", ""), expected):
        raise ApiError(403, "forbidden", "回执令牌无效")
    reports = request.get_json(silent=True)
    if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
        raise ApiError(400, "invalid_json", "回执格式错误：应为 JSON 数组")
    matched = record_receipts(db.session, reports[:1000])
    commit(db.session)
    # The answer SmsReport expects.
    return jsonify({"code": 0, "msg": "成功", "matched": matched})
