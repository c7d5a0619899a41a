"""The responsibility list in the database: audited edits, the cache, Excel round trip, the admin page."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import login_form


# 0: the suite's setting; 60: reference data kept as production keeps it (hotline.core.recent) — an edit made
# in this process must still reach the next proposal at once.
@pytest.mark.parametrize("reference_seconds", [0, 60])
def test_rule_edits_are_audited_and_reach_the_rulebook(
    app, api, demo_city, no_classifier, monkeypatch, reference_seconds
):
    from dispatch.ruleset import forget_reference_state

    monkeypatch.setitem(app.config, "HOTLINE_REFERENCE_SECONDS", reference_seconds)
    forget_reference_state()
    before = api.post(
        "/api/v1/dispatch/propose", as_="dispatcher1", json={"text": "公交车站牌损坏", "category": "交通运输"}
    )
    assert before.get_json()["unit"]["code"] == "JTJ"
    created = api.post(
        "/api/v1/dispatch/rules",
        as_="admin1",
        json={
            "id": "JT-ZP",
            "priority": 35,
            "category": "交通运输",
            "keywords": ["站牌"],
            "lead_unit": "CGJ",
            "legal_basis": "测试依据",
            "note": "站牌归城管",
        },
    )
    assert created.status_code == 201, created.get_json()
    after = api.post(
        "/api/v1/dispatch/propose", as_="dispatcher1", json={"text": "公交车站牌损坏", "category": "交通运输"}
    )
    assert after.get_json()["rule"]["id"] == "JT-ZP" and after.get_json()["unit"]["code"] == "CGJ"

    patched = api.client.patch(
        "/api/v1/dispatch/rules/JT-ZP",
        json={"lead_unit": "JTJ", "co_units": ["CGJ"]},
        headers={"Authorization": f"Bearer {api.token('admin1')}"},
    )
    assert patched.status_code == 200 and patched.get_json()["version"] == 2
    disabled = api.post("/api/v1/dispatch/rules/JT-ZP/disable", as_="admin1", json={"note": "撤销"})
    assert disabled.get_json()["enabled"] is False
    again = api.post(
        "/api/v1/dispatch/propose", as_="dispatcher1", json={"text": "公交车站牌损坏", "category": "交通运输"}
    )
    assert again.get_json()["rule"]["id"] == "LB-07"

    changes = api.get("/api/v1/dispatch/rules/JT-ZP", as_="admin1").get_json()["changes"]
    assert [c["action"] for c in changes] == ["disable", "update", "create"]
    assert all(c["actor"] == "admin1" for c in changes)
    update = changes[1]
    assert update["changed"] == ["co_units", "lead_unit"]
    assert update["before"]["lead_unit"] == "CGJ" and update["after"]["lead_unit"] == "JTJ"
    assert changes[2]["note"] == "站牌归城管" and changes[2]["before"] is None


def test_invalid_rules_are_refused_and_roles_enforced(api, demo_city):
    # A value of the wrong type is refused by the body's model, field by field, in the one error shape …
    for field, value in (("priority", "abc"), ("direct", "maybe"), ("keywords", "站牌")):
        body = {"id": "X-1", "priority": 1, "lead_unit": "JTJ"} | {field: value}
        bad = api.post("/api/v1/dispatch/rules", as_="admin1", json=body)
        assert bad.status_code == 422
        assert bad.get_json()["error"]["code"] == "invalid_type"
        assert bad.get_json()["error"]["details"] == {"field": field}
    # … and what the values refer to by the list, every problem at once.
    bad = api.post(
        "/api/v1/dispatch/rules", as_="admin1", json={"id": "X-1", "priority": 1, "lead_unit": "NOPE", "area": "ZZ"}
    )
    assert bad.status_code == 422
    message = bad.get_json()["error"]["message"]
    assert "主办单位编码不存在：NOPE" in message and "区域编码不存在：ZZ" in message
    assert api.post("/api/v1/dispatch/rules", as_="dispatcher1", json={"id": "X"}).status_code == 403
    assert api.get("/api/v1/dispatch/rules", as_="dispatcher1").status_code == 200
    assert api.get("/api/v1/dispatch/rules", as_="handler1").status_code == 403
    dup = api.post("/api/v1/dispatch/rules", as_="admin1", json={"id": "ZT-01", "priority": 1, "lead_unit": "ZLS"})
    assert dup.status_code == 409


def _export(api) -> bytes:
    response = api.get("/api/v1/dispatch/rules/export", as_="admin1")
    assert response.status_code == 200
    return response.data


def _upload(api, data: bytes):
    return api.client.post(
        "/api/v1/dispatch/rules/import",
        data={"file": (io.BytesIO(data), "list.xlsx")},
        headers={"Authorization": f"Bearer {api.token('admin1')}"},
        content_type="multipart/form-data",
    )


def test_excel_round_trip(api, demo_city):
    data = _export(api)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.max_row == 44  # header + 43 rules
    unchanged = _upload(api, data)
    assert unchanged.status_code == 200 and unchanged.get_json() == {"created": 0, "updated": 0, "unchanged": 43}
    ids = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    row = ids.index("LB-07") + 2
    ws.cell(row=row, column=7).value = "CGJ"  # lead unit
    ws.append(["NEW-1", 60, "交通运输", "", "", "出租车|网约车", "JTJ", "GAJ", "否", "否", "新依据", "是"])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = _upload(api, buffer.getvalue())
    assert result.status_code == 200, result.get_json()
    assert result.get_json() == {"created": 1, "updated": 1, "unchanged": 42}
    rules = {r["id"]: r for r in api.get("/api/v1/dispatch/rules", as_="admin1").get_json()["rules"]}
    assert rules["LB-07"]["lead_unit"] == "CGJ"
    assert rules["NEW-1"]["keywords"] == ["出租车", "网约车"] and rules["NEW-1"]["co_units"] == ["GAJ"]
    changes = api.get("/api/v1/dispatch/rule-changes", as_="admin1").get_json()["changes"]
    assert {c["rule_id"] for c in changes[:2]} == {"LB-07", "NEW-1"} and changes[0]["note"] == "Excel 导入"
    # And back out again: the exported workbook carries the edits.
    ws2 = load_workbook(io.BytesIO(_export(api))).active
    exported = {ws2.cell(row=r, column=1).value: ws2.cell(row=r, column=7).value for r in range(2, ws2.max_row + 1)}
    assert exported["LB-07"] == "CGJ" and exported["NEW-1"] == "JTJ"


def test_excel_import_lists_bad_rows_and_changes_nothing(api, demo_city):
    wb = load_workbook(io.BytesIO(_export(api)))
    ws = wb.active
    ws.cell(row=3, column=7).value = "XYZ"  # unknown unit
    ws.cell(row=5, column=9).value = "可能"  # bad flag
    ws.cell(row=6, column=1).value = ws.cell(row=2, column=1).value  # duplicate id
    buffer = io.BytesIO()
    wb.save(buffer)
    response = _upload(api, buffer.getvalue())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert [r["row"] for r in error["details"]["rows"]] == [3, 5, 6]
    assert "第 3 行" in error["message"] and "XYZ" in error["message"] and "第 5 行" in error["message"]
    assert "未做任何修改" in error["message"]
    assert api.get("/api/v1/dispatch/rule-changes", as_="admin1").get_json()["changes"][0]["action"] == "create"
    assert _upload(api, b"not a workbook").status_code == 422


def _login(client, username: str) -> None:
    response = client.post("/login", data=login_form(username))
    assert response.status_code in (302, 303), response.data[:200]


def test_admin_page_lists_edits_and_audits(app, demo_city):
    client = app.test_client()
    assert client.get("/admin/dispatch-rules").status_code in (302, 303)
    _login(client, "admin1")
    page = client.get("/admin/dispatch-rules")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "确责清单" in html and "ZT-01" in html and "导出 Excel" in html and 'name="csrf_token"' in html
    form = client.get("/admin/dispatch-rules/LB-07")
    assert form.status_code == 200 and "市" in form.get_data(as_text=True)
    saved = client.post(
        "/admin/dispatch-rules/LB-07",
        data={
            "priority": "50",
            "category": "交通运输",
            "lead_unit": "JTJ",
            "co_units": "GAJ",
            "legal_basis": "新依据",
            "enabled": "on",
            "note": "加公安协办",
        },
    )
    assert saved.status_code in (302, 303)
    html = client.get("/admin/dispatch-rules").get_data(as_text=True)
    assert "加公安协办" in html and "已保存条目 LB-07" in html
    bad = client.post("/admin/dispatch-rules/LB-07", data={"priority": "x", "lead_unit": "JTJ"})
    assert bad.status_code == 422 and "排序号" in bad.get_data(as_text=True)
    export = client.get("/admin/dispatch-rules/export.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    other = app.test_client()
    _login(other, "dispatcher1")
    assert other.get("/admin/dispatch-rules").status_code == 403


def test_admin_form_requires_csrf(app, demo_city, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    client.post("/login", data={"username": "admin1", "password": "demo-12345"})
    response = client.post("/admin/dispatch-rules/LB-07/toggle")
    assert response.status_code == 400
