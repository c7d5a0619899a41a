"""涉企: the credit code's check digit, the enterprise at intake, 涉企 limits, the ledger's 销号, the monthly report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from hotline.core.clock import TZ
from hotline.core.extensions import db
from hotline.tickets.limits import limit_for

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def with_check_digit(first17: str) -> str:
    """Append the GB 32100-2015 check character, computed here by hand (31 − Σ(value × weight) mod 31)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return first17 + ALPHABET[(31 - total % 31) % 31]


GOOD = with_check_digit("91320100MA1MXXX0P")
OTHER = with_check_digit("91440300708461136")
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")


def test_the_hand_made_codes():
    assert with_check_digit("91110000600037341") == "91110000600037341L"  # a published code


def new_enterprise_ticket(api, code: str = GOOD, name: str = "南京某某科技有限公司", **extra) -> dict:
    body = {
        "channel": "phone",
        "content": "企业开办审批材料反复被退回",
        "caller_phone": "13812345678",
        "kind": "help",
        "enterprise_info": {
            "name": name,
            "credit_code": code,
            "contact_name": "王经理",
            "contact_phone": "13900001111",
        },
    }
    response = api.post("/api/v1/tickets", as_="agent1", json=body | extra)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["ticket"]


@pytest.mark.parametrize(("code", "fragment"), [(BAD, "校验位"), ("9132010", "18 位"), ("91320100MA1MXXX0PI", "格式")])
def test_a_wrong_credit_code_is_refused_in_chinese_and_nothing_is_stored(api, code, fragment):
    body = {
        "channel": "phone",
        "content": "企业诉求",
        "external_id": "x-1",
        "enterprise_info": {"name": "某公司", "credit_code": code},
    }
    response = api.post("/api/v1/tickets", as_="agent1", json=body)
    assert response.status_code == 422
    assert fragment in response.get_json()["error"]["message"]
    assert api.get("/api/v1/reports/enterprise-ledger", as_="supervisor1").get_json()["rows"] == []
    assert api.get("/api/v1/tickets", as_="supervisor1").get_json()["tickets"] == []


def test_intake_records_the_enterprise_and_gives_shorter_limits(app, api):
    ticket = new_enterprise_ticket(api, code=GOOD.lower())
    assert ticket["flags"]["enterprise"]
    events = api.get(f"/api/v1/tickets/{ticket['number']}/events", as_="supervisor1").get_json()
    assert any(e["action"] == "enterprise" and GOOD in e["note"] for e in events["events"])
    plain = api.new_ticket(kind="help")
    for t in (ticket, plain):
        assert api.act(t["number"], "dispatch", "dispatcher1", unit="A1").status_code == 200
    涉企 = api.get(f"/api/v1/tickets/{ticket['number']}", as_="supervisor1").get_json()["ticket"]["deadlines"]
    普通 = api.get(f"/api/v1/tickets/{plain['number']}", as_="supervisor1").get_json()["ticket"]["deadlines"]
    assert 涉企["reply"] < 普通["reply"] and 涉企["accept"] < 普通["accept"]
    with app.app_context():
        assert limit_for(db.session, "default", "reply", kind="help", urgency="normal", enterprise=True).amount == 3
        assert (
            limit_for(db.session, "default", "reply", kind="complaint", urgency="normal", enterprise=True).amount == 10
        )
        # An urgent matter keeps its 24 hours: urgency outranks the 涉企 row.
        assert limit_for(db.session, "default", "reply", kind="help", urgency="urgent", enterprise=True).unit == "hours"
        assert limit_for(db.session, "default", "reply", kind="complaint", urgency="normal").amount == 15


def test_an_admin_adds_an_enterprise_time_limit_row(app, api):
    response = api.post(
        "/api/v1/time-limits",
        as_="admin1",
        json={
            "preset": "default",
            "stage": "reply",
            "unit": "working_days",
            "amount": 2,
            "enterprise": True,
            "kind": "help",
        },
    )
    assert response.status_code == 201 and response.get_json()["enterprise"] is True
    with app.app_context():
        assert limit_for(db.session, "default", "reply", kind="help", urgency="normal", enterprise=True).amount == 2


def _close(api, number: str, satisfaction: str) -> None:
    for action, who, body in (
        ("dispatch", "dispatcher1", {"unit": "A1"}),
        ("accept", "handler1", {}),
        ("reply", "handler1", {"result": "已办", "public_answer": "已办理"}),
        ("approve_reply", "supervisor1", {}),
        (
            "callback",
            "agent1",
            {"contacted": True, "resolved": satisfaction != "unsatisfied", "satisfaction": satisfaction},
        ),
    ):
        response = api.act(number, action, who, **body)
        assert response.status_code == 200, (action, response.get_json())


def test_a_ledger_row_cannot_be_struck_off_while_the_ticket_is_open(api):
    ticket = new_enterprise_ticket(api)
    number = ticket["number"]
    strike = f"/api/v1/reports/enterprise-ledger/{number}/strike-off"
    refused = api.post(strike, as_="supervisor1", json={"note": "试图提前销号"})
    assert refused.status_code == 409 and "办结后才能销号" in refused.get_json()["error"]["message"]
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    assert api.post(strike, as_="supervisor1", json={}).status_code == 409
    (row,) = api.get("/api/v1/reports/enterprise-ledger", as_="supervisor1").get_json()["rows"]
    assert row == row | {
        "number": number,
        "enterprise": "南京某某科技有限公司",
        "credit_code": GOOD,
        "state": "dispatched",
        "struck_off": False,
    }
    for action, who, body in (
        ("accept", "handler1", {}),
        ("reply", "handler1", {"result": "已办", "public_answer": "已办"}),
        ("approve_reply", "supervisor1", {}),
    ):
        assert api.act(number, action, who, **body).status_code == 200
    assert api.post(strike, as_="supervisor1", json={}).status_code == 409  # 待回访: still open
    assert (
        api.act(number, "callback", "agent1", contacted=True, resolved=True, satisfaction="satisfied").status_code
        == 200
    )
    assert api.post(strike, as_="handler1", json={}).status_code == 403
    done = api.post(strike, as_="supervisor1", json={"note": "企业满意"})
    assert done.status_code == 200 and done.get_json()["row"]["struck_off"]
    assert api.post(strike, as_="supervisor1", json={}).status_code == 409  # once
    events = api.get(f"/api/v1/tickets/{number}/events", as_="supervisor1").get_json()
    assert any(e["action"] == "ledger_strike_off" and e["actor"] == "supervisor1" for e in events["events"])


def test_a_closed_but_unsatisfied_enterprise_is_not_struck_off(api):
    ticket = new_enterprise_ticket(api)
    _close(api, ticket["number"], "unsatisfied")
    assert api.act(ticket["number"], "uphold", "supervisor1", reason="诉求不合理").status_code == 200
    refused = api.post(f"/api/v1/reports/enterprise-ledger/{ticket['number']}/strike-off", as_="supervisor1", json={})
    assert refused.status_code == 409 and "回访满意后才能销号" in refused.get_json()["error"]["message"]


def test_ledger_by_enterprise_excel_and_the_monthly_report(app, api):
    first = new_enterprise_ticket(api)
    second = new_enterprise_ticket(api, content="政策兑现资金迟迟不到位")
    other = new_enterprise_ticket(api, code=OTHER, name="深圳某某电子有限公司")
    _close(api, first["number"], "satisfied")
    _close(api, other["number"], "basically_satisfied")
    api.new_ticket()  # not 涉企
    rows = api.get("/api/v1/reports/enterprise-ledger", as_="supervisor1").get_json()["rows"]
    assert [(r["enterprise"], r["number"]) for r in rows] == sorted(
        [
            ("南京某某科技有限公司", first["number"]),
            ("南京某某科技有限公司", second["number"]),
            ("深圳某某电子有限公司", other["number"]),
        ]
    )
    assert {
        r["unit"]["code"]
        for r in api.get("/api/v1/reports/enterprise-ledger", as_="handler2").get_json()["rows"]
        if r["unit"]
    } == set()
    xlsx = api.get("/api/v1/reports/enterprise-ledger?format=xlsx", as_="supervisor1")
    sheet = load_workbook(io.BytesIO(xlsx.data))["涉企台账"]
    assert [c.value for c in sheet[2]][:3] == ["企业名称", "统一社会信用代码", "工单编号"]
    assert sheet.max_row == 2 + 3
    month = dt.datetime.now(TZ).strftime("%Y-%m")
    report = api.get(f"/api/v1/reports/enterprise?month={month}", as_="supervisor1").get_json()
    assert report["volume"] == 3 and report["enterprises"] == 2 and report["closed"] == 2
    assert report["valid_callbacks"] == 2 and report["resolution_rate"] == 1.0 and report["satisfaction_rate"] == 1.0
    assert report["repeat_enterprises"] == [
        {
            "enterprise": "南京某某科技有限公司",
            "credit_code": GOOD,
            "count": 2,
            "numbers": sorted([first["number"], second["number"]]),
        }
    ]
    book = load_workbook(
        io.BytesIO(api.get(f"/api/v1/reports/enterprise?month={month}&format=xlsx", as_="supervisor1").data)
    )
    assert book.sheetnames == ["汇总", "三率", "重复诉求企业"]
    assert api.get(f"/api/v1/reports/enterprise?month={month}", as_="handler1").status_code == 403


def test_enterprise_after_intake(api):
    ticket = api.new_ticket()
    url = f"/api/v1/tickets/{ticket['number']}/enterprise"
    assert api.post(url, as_="agent1", json={"name": "某公司", "credit_code": BAD}).status_code == 422
    assert api.post(url, as_="handler1", json={"name": "某公司", "credit_code": GOOD}).status_code == 403
    ok = api.post(url, as_="agent1", json={"name": "某公司", "credit_code": GOOD})
    assert ok.status_code == 200 and ok.get_json()["credit_code"] == GOOD
    assert api.get(f"/api/v1/tickets/{ticket['number']}", as_="agent1").get_json()["ticket"]["flags"]["enterprise"]
