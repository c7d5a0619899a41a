"""Admin pages: users, units and grids, time limits, categories, model versions, the 万件清理 ledger with 销号,
and the audit (who, when, before, after) of every change."""

from __future__ import annotations

import re

import pytest

PAGES = [
    "/admin/staff",
    "/admin/units",
    "/admin/time-limits",
    "/admin/categories",
    "/admin/models",
    "/admin/audit",
    "/admin/ledger",
]


@pytest.mark.parametrize("path", PAGES)
def test_admin_opens_every_page_and_others_are_refused(login, path):
    assert login("admin1").get(path).status_code == 200
    assert login("handler1").get(path).status_code == 403
    assert login("agent1").get(path).status_code == 403


def _audit(client) -> str:
    return client.get("/admin/audit").get_data(as_text=True)


def test_a_user_is_created_disabled_and_audited(login, app):
    admin = login("admin1")
    done = admin.post(
        "/admin/staff",
        data={
            "username": "agent9",
            "display_name": "新话务员",
            "role": "agent",
            "unit": "A",
            "password": "long-enough-1",
        },
        follow_redirects=True,
    )
    assert "已新增用户 agent9" in done.get_data(as_text=True)
    weak = admin.post(
        "/admin/staff",
        data={"username": "agent10", "role": "agent", "unit": "A", "password": "short"},
        follow_redirects=True,
    )
    assert "密码至少 10 位" in weak.get_data(as_text=True)  # the centre's password rules, as everywhere
    assert admin.post("/login", data={"username": "agent9", "password": "long-enough-1"}).status_code == 302
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.core.extensions import db

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "agent9"))
    admin = login("admin1")
    admin.post(f"/admin/staff/{user_id}/active", data={"active": "0"})
    assert app.test_client().post("/login", data={"username": "agent9", "password": "long-enough-1"}).status_code == 401
    audit = _audit(admin)
    assert audit.count("agent9") >= 2 and "停用" in audit and "新增" in audit
    assert "long-enough-1" not in audit and "password_hash" not in audit


def test_units_and_grids(login):
    admin = login("admin1")
    page = admin.post(
        "/admin/units",
        data={"code": "A1-01-01-G99", "name": "测试网格", "kind": "grid", "parent": "A1-01-01"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已新增网格 测试网格" in page and 'data-unit="A1-01-01-G99"' in page
    again = admin.post(
        "/admin/units",
        data={"code": "A1-01-01-G99", "name": "重复", "kind": "grid", "parent": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "单位编码已存在" in again
    admin.post("/admin/units/A1-01-01-G99/name", data={"name": "东风网格"})
    audit = _audit(admin)
    assert "测试网格" in audit and "东风网格" in audit


def test_time_limits_page_layers_and_refuses_with_the_reason(login, api, monkeypatch):
    admin = login("admin1")
    page = admin.post(
        "/admin/time-limits?preset=default",
        data={"preset": "default", "stage": "accept", "amount": "4", "unit": "hours", "category_prefix": "JT"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已为“签收”阶段新增时限规则" in page and "自定义" in page and "内置" in page
    accept = page[page.index('data-stage="accept"') : page.index("</table>", page.index('data-stage="accept"'))]
    assert (
        accept.count("<tr>") - 1 == 4
    )  # (one header row) the JT row beside the three built-in rows (general, urgent, 涉企), not instead of them
    row_id = re.search(r"/admin/time-limits/(\d+)/delete", page).group(1)
    from hotline.tickets import limits

    monkeypatch.setitem(
        limits.PRESETS,
        "default",
        tuple(r for r in limits.PRESETS["default"] if not (r.stage == "dispatch" and r.urgency is None)),
    )
    refused = admin.post(
        "/admin/time-limits?preset=default",
        data={"preset": "default", "stage": "dispatch", "amount": "1", "unit": "hours", "kind": "consult"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "没有时限" in refused and "已拒绝" in refused
    admin.post(f"/admin/time-limits/{row_id}/delete?preset=default")
    audit = _audit(admin)
    assert "时限规则" in audit and "删除" in audit and "JT" in audit
    table = audit[audit.index("<table") :]  # the coded values read in Chinese (the unit code JT stays as it is)
    assert "签收" in table and "小时（自然）" in table and "accept" not in table and "hours" not in table
    assert login("supervisor1").get("/admin/time-limits").status_code == 200


def test_the_page_and_the_api_write_one_audit_record_for_a_time_limit(login, api, app):
    from hotline.core.audit import list_admin_changes
    from hotline.core.extensions import db

    row = {"preset": "default", "stage": "reply", "amount": "3", "unit": "working_days", "kind": "consult"}
    admin = login("admin1")
    admin.post("/admin/time-limits?preset=default", data=row, follow_redirects=True)
    by_api = api.post("/api/v1/time-limits", as_="admin1", json=row | {"amount": 3, "enterprise": True}).get_json()
    admin.post(f"/admin/time-limits/{by_api['id']}/delete?preset=default")  # the page deletes the API's 涉企 row
    with app.app_context():
        deleted, api_created, page_created = [c.to_dict() for c in list_admin_changes(db.session, entity="time_limit")]
    assert [c["action"] for c in (deleted, api_created, page_created)] == ["delete", "create", "create"]
    assert deleted["before"] == api_created["after"]
    assert api_created["after"] == page_created["after"] | {"id": by_api["id"], "enterprise": True}
    assert page_created["after"]["preset"] == "default" and page_created["after"]["enterprise"] is None
    table = _audit(admin)[_audit(admin).index("<table") :]
    assert "涉企" in table and "enterprise" not in table


def test_categories_add_and_disable(login, app):
    admin = login("admin1")
    page = admin.post("/admin/categories", data={"parent": "", "name": "测试一级"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    code = re.search(r"已新增分类 测试一级（(\w+)）", html).group(1)
    child = admin.post("/admin/categories", data={"parent": code, "name": "测试二级"}, follow_redirects=True)
    assert f"{code}.01" in child.get_data(as_text=True)
    admin.post(f"/admin/categories/{code}.01/active", data={"active": "0"})
    assert "已停用" in admin.get("/admin/categories").get_data(as_text=True)
    assert "测试二级" in _audit(admin)


def test_ledger_strike_off_only_closed_rows(login, api):
    open_one = api.new_ticket(content="积压工单：路面塌陷")["number"]
    closed = api.new_ticket(content="积压工单：咨询社保")["number"]
    supervisor = login("supervisor1")
    made = supervisor.post("/admin/ledger", data={"name": "测试清理"}, follow_redirects=True).get_data(as_text=True)
    assert "已建立清理台账" in made and open_one in made and closed in made
    api.post(f"/api/v1/tickets/{closed}/close_on_call", as_="agent1", json={"public_answer": "已答复"})
    page = supervisor.get("/admin/ledger").get_data(as_text=True)
    assert f'name="numbers" value="{closed}"' in page and f'name="numbers" value="{open_one}"' not in page
    refused = supervisor.post(
        re.search(r'action="(/admin/ledger/\d+/strike-off[^"]*)"', page).group(1).replace("&amp;", "&"),
        data={"numbers": [open_one]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "尚未办结，不能销号" in refused
    struck = supervisor.post(
        re.search(r'action="(/admin/ledger/\d+/strike-off[^"]*)"', page).group(1).replace("&amp;", "&"),
        data={"numbers": [closed], "note": "已核实"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已销号 1 件" in struck and "已销号" in struck
    assert "销号" in _audit(supervisor)


def test_ledger_reasons_are_in_chinese(login, api):
    for i in range(3):
        api.new_ticket(content=f"第{i}次反映：楼道堆物", address="东风路 18 号")
    supervisor = login("supervisor1")
    page = supervisor.post("/admin/ledger", data={"name": "测试清理"}, follow_redirects=True).get_data(as_text=True)
    ledger = page[page.index('id="ledger"') :]
    assert "同一地址90天内3次以上" in ledger and "repeat_address" not in ledger


def test_models_page_lists_versions(login):
    html = login("admin1").get("/admin/models").get_data(as_text=True)
    assert "模型版本" in html


def test_the_user_page_edits_role_unit_and_seat_skills_audited(login, app):
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.core.extensions import db

    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
    admin = login("admin1")
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert page.count('class="row-edit"') == len(ids) and 'data-skills="agent1"' in page
    assert 'data-skills="handler1"' not in page  # seat skills are for agents only
    done = admin.post(
        f"/admin/staff/{ids['handler2']}",
        data={"display_name": "承办人小王", "role": "handler", "unit": "A1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存用户 handler2" in done
    with app.app_context():
        moved = db.session.get(User, ids["handler2"])
        assert (moved.display_name, moved.unit.code) == ("承办人小王", "A1")
        db.session.remove()
    bad = admin.post(
        f"/admin/staff/{ids['handler2']}",
        data={"display_name": "x", "role": "boss", "unit": "A1"},
        follow_redirects=True,
    )
    assert "角色无效" in bad.get_data(as_text=True)
    own = admin.post(
        f"/admin/staff/{ids['admin1']}", data={"display_name": "x", "role": "agent", "unit": "A"}, follow_redirects=True
    )
    assert "不能修改自己的角色" in own.get_data(as_text=True)
    skills = admin.post(f"/admin/staff/{ids['agent1']}/skills", data={"skill": "business_env"}, follow_redirects=True)
    assert "已设置 agent1 的坐席技能：营商环境专席" in skills.get_data(as_text=True)
    assert 'value="business_env" checked' in skills.get_data(as_text=True)
    not_agent = admin.post(
        f"/admin/staff/{ids['handler1']}/skills", data={"skill": "business_env"}, follow_redirects=True
    )
    assert "不是话务员" in not_agent.get_data(as_text=True)
    weak = admin.post(
        f"/admin/staff/{ids['handler2']}/password", data={"password": "handler2-x"}, follow_redirects=True
    )
    assert "密码不能包含用户名" in weak.get_data(as_text=True)  # the centre's password rules
    handler2 = app.test_client()
    assert handler2.post("/login", data={"username": "handler2", "password": "demo-12345"}).status_code == 302
    reset = admin.post(
        f"/admin/staff/{ids['handler2']}/password", data={"password": "Qx7-lamp-2026"}, follow_redirects=True
    )
    assert "已重置用户 handler2 的密码" in reset.get_data(as_text=True)
    assert handler2.get("/inbox").status_code == 302  # the reset ended the session it had
    assert (
        app.test_client().post("/login", data={"username": "handler2", "password": "Qx7-lamp-2026"}).status_code == 302
    )
    audit = _audit(admin)
    assert "承办人小王" in audit and "修改" in audit and "重置密码" in audit
    assert login("handler1").post(f"/admin/staff/{ids['handler2']}", data={"role": "admin"}).status_code == 403
