"""propose_dispatch and POST /api/v1/dispatch/propose on the demo city and real messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.accuracy import load_messages
from dispatch.gazetteer import AddressMatcher, load_units
from dispatch.rules import Facts, RuleBook, load_rules

MESSAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "messages.csv"


def _expected(book: RuleBook, matcher: AddressMatcher, text: str, label: str):
    area = matcher.match(text)
    facts = Facts(
        category=label,
        text=text,
        district=area.district if area else "",
        street=area.street if area else "",
        community=area.community if area else "",
        grid=area.grid_code if area else "",
    )
    return book.match(facts)


def test_real_messages_land_where_the_demo_list_says(app, demo_city, no_classifier):
    from dispatch.services import propose_dispatch
    from hotline.core.extensions import db

    messages = load_messages(MESSAGES, "test")[:150]
    book = RuleBook(load_rules(), {u.code: u.name for u in load_units()})
    matcher = AddressMatcher.from_files()
    seen_rules = set()
    with app.app_context():
        for m in messages:
            want = _expected(book, matcher, m.text, m.label)
            got = propose_dispatch(db.session, text=m.text, category=m.label)
            assert want is not None and got.rule is not None
            assert (got.unit["code"], got.rule["id"]) == (want.lead_unit, want.rule_id), m.id
            assert got.rule["legal_basis"] == want.legal_basis and got.rule["legal_basis"]
            assert got.rule["id"] in got.rule["reason"]
            seen_rules.add(got.rule["id"])
    assert len(seen_rules) >= 5  # the sample exercises many rows of the list, not one fallback


def test_labelled_examples_cite_their_rule(app, demo_city, no_classifier):
    from dispatch.services import propose_dispatch
    from hotline.core.extensions import db

    msgs = load_messages(MESSAGES)
    wage = next(
        m
        for m in msgs
        if m.label == "劳动和社会保障"
        and "拖欠工资" in m.text
        and "公积金" not in m.text
        and not any(k in m.text for k in ("停水", "停电", "燃气", "暖气", "医保", "噪音"))
    )
    with app.app_context():
        p = propose_dispatch(db.session, text=wage.text, category="劳动和社会保障")
        assert p.unit["code"] == "RSJ" and p.rule["id"] == "LD-QX"
        assert "保障农民工工资支付条例" in p.rule["legal_basis"]
        plain = propose_dispatch(db.session, text="学校收费不合理，请教育部门核查", category="教育文体")
        assert (plain.unit, plain.rule["id"]) == ({"code": "JYJ", "name": "市教育局"}, "LB-03")


def test_short_name_address_resolves_to_its_grid(app, demo_city, no_classifier):
    from dispatch.services import propose_dispatch
    from hotline.core.extensions import db

    with app.app_context():
        p = propose_dispatch(
            db.session, text="楼下垃圾堆了一个星期没人清扫", category="城乡建设", address="麓谷林语3栋"
        )
        assert p.area["grid"] == "A1-01-01-G02" and p.area["unit"] == "A1-01-01-G02"
        assert p.rule["id"] == "WG-02"
        assert p.unit["code"] == "A1-01" and p.grid == {"code": "A1-01-01-G02", "name": "东风社区第二网格"}
        assert "网格优先" in p.rule["reason"]


def test_fight_in_progress_is_flagged_for_110(app, demo_city, no_classifier):
    from dispatch.services import propose_dispatch
    from hotline.core.extensions import db

    with app.app_context():
        p = propose_dispatch(db.session, text="春天小区门口现在有人打架，已经动刀了，快来人")
        assert p.transfer_110 is not None and p.transfer_110["target"] == "110"
        calm = propose_dispatch(db.session, text="去年小区门口有人打架，想咨询一下处理结果")
        assert calm.transfer_110 is None


def test_without_category_or_classifier_the_reason_says_so(app, demo_city, no_classifier):
    from dispatch.services import propose_dispatch
    from hotline.core.extensions import db

    with app.app_context():
        p = propose_dispatch(db.session, text="我家停水两天了", address="春天小区")
        assert p.rule["id"] == "ZT-01" and p.unit["code"] == "ZLS"
        assert "分类模型不可用" in p.rule["reason"]
        assert p.classification["source"] == "none"


def test_classifier_prediction_is_used_when_no_category(app, demo_city, classifier):
    from dispatch.services import propose_dispatch
    from hotline.core.extensions import db

    classifier.set("交通运输", 0.97)
    with app.app_context():
        p = propose_dispatch(db.session, text="公交车经常晚点，班次太少")
        assert p.rule["id"] == "LB-07" and p.unit["code"] == "JTJ"
        assert p.classification["model_version"] == "test-model-1" and p.confidence == pytest.approx(0.97)


def test_propose_api_shape_422_and_roles(api, demo_city, no_classifier):
    ok = api.post(
        "/api/v1/dispatch/propose",
        as_="agent1",
        json={"text": "小区物业乱收费", "category": "城乡建设", "address": "春天小区"},
    )
    assert ok.status_code == 200, ok.get_json()
    body = ok.get_json()
    assert {"unit", "co_units", "grid", "rule", "confidence", "transfer_110"} <= set(body)
    assert body["unit"] == {"code": "ZJJ", "name": "市住房和城乡建设局"}
    assert body["rule"]["id"] == "CJ-WY" and body["co_units"] == [{"code": "A1", "name": "A1区"}]
    assert api.post("/api/v1/dispatch/propose", as_="agent1", json={}).status_code == 422
    empty = api.post("/api/v1/dispatch/propose", as_="dispatcher1", json={"text": " ", "address": ""})
    assert empty.status_code == 422 and empty.get_json()["error"]["code"] == "missing_field"
    for user in ("dispatcher1", "supervisor1", "admin1"):
        assert api.post("/api/v1/dispatch/propose", as_=user, json={"category": "交通运输"}).status_code == 200
    for user in ("handler1", "grid1"):
        assert api.post("/api/v1/dispatch/propose", as_=user, json={"text": "停水"}).status_code == 403
    assert api.post("/api/v1/dispatch/propose", json={"text": "停水"}).status_code == 401


def test_a_category_code_carries_its_level_names(app, demo_city, no_classifier):
    from dispatch.services import category_names
    from hotline.core.extensions import db

    with app.app_context():
        assert category_names("城市建设和市政管理") == ("城乡建设", "城市建设和市政管理")
        if "categories" in db.metadata.tables:  # the core category tree (CX.01 codes) is installed
            table = db.metadata.tables["categories"]
            db.session.execute(
                table.insert().values(code="ZZ", name="城乡建设", path_name="城乡建设", level=1, active=True)
            )
            assert category_names("ZZ", session=db.session) == ("城乡建设",)
            db.session.rollback()
