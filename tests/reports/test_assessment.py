"""考评: a generated month scored under two schemes against a hand count from the generator's own ledger."""

from __future__ import annotations

import copy
import io

import pytest
from openpyxl import load_workbook

from hotline.core.extensions import db
from reports.assessment.schemes import DEMO_SCHEMES, parse_definition, save_scheme
from reports.assessment.services import assessment, close_month
from tests.conftest import login_form
from tests.reports.assessment_history import NOW, UnitBook, build_history

SCHEMES = {code: (name, definition) for code, name, definition in DEMO_SCHEMES}


@pytest.fixture
def history(app, world, jobs_in_process):
    with app.app_context():
        built = build_history(db.session, world)
        admin = world.user("admin1")
        for code, (name, definition) in SCHEMES.items():
            save_scheme(db.session, code, name, definition, admin, effective_from="2024-01")
        db.session.commit()
        db.session.remove()
    return built


def hand_score(definition: dict, book: UnitBook) -> float:
    """Score one unit's month from the generator's ledger, following the scheme's words, not its code."""
    only_response = set(definition.get("response_only_kinds", []))
    all_cbs = book.callbacks
    scored = [c for c in all_cbs if c.kind not in only_response]
    total = 0.0
    for m in definition["measures"]:
        if m["measure"] == "response_rate":
            total += m["weight"] * (sum(c.contacted for c in all_cbs) / len(all_cbs) if all_cbs else 1)
        elif m["measure"] == "resolution_rate":
            total += m["weight"] * (sum(c.resolved for c in scored) / len(scored) if scored else 1)
        else:
            w = m.get("basic_weight", 1.0)
            full = sum(c.satisfaction in ("very_satisfied", "satisfied") for c in scored)
            basic = sum(c.satisfaction == "basically_satisfied" for c in scored)
            total += m["weight"] * ((full + w * basic) / len(scored) if scored else 1)
    counts = {
        "overdue": len(book.overdue),
        "improper_return": len(book.improper_return),
        "rework": len(book.rework),
        "supervised": 0,
        "escalated": 0,
        "urged": 0,
    }
    for d in definition.get("deductions", []):
        total -= min(counts[d["kind"]] * d["points"], d["cap"])
    for b in definition.get("bonuses", []):
        total += min(len(book.quick) * b["points"], b["cap"])
    return round(min(max(total, 0), definition["max_score"]), 2)


def hand_ranks(definition: dict, books: dict[str, UnitBook]) -> dict[str, int | None]:
    scores = {unit: hand_score(definition, book) for unit, book in books.items()}
    eligible = sorted(
        (u for u in books if len(books[u].callbacks) >= definition["min_sample"]), key=lambda u: -scores[u]
    )
    ranks: dict[str, int | None] = {u: None for u in books}
    for u in eligible:
        ranks[u] = 1 + sum(1 for v in eligible if scores[v] > scores[u])
    return ranks


def test_month_scored_under_two_schemes_matches_the_hand_count(app, history):
    books = history.books["2024-11"]
    for code, (_, definition) in SCHEMES.items():
        with app.app_context():
            result = assessment(db.session, code, "2024-11", now=NOW)
        rows = {r["unit"]["code"]: r for r in result["rows"]}
        assert set(rows) == set(books)
        for unit, book in books.items():
            assert rows[unit]["score"] == pytest.approx(hand_score(definition, book), abs=0.011), (code, unit)
            assert rows[unit]["valid_callbacks"] == len(book.callbacks)
        assert {u: r["rank"] for u, r in rows.items()} == hand_ranks(definition, books), code
        assert rows["A1-01"]["rank"] is None and "样本不足" in rows["A1-01"]["rank_reason"]
        assert result["scheme"]["max_score"] == definition["max_score"]
    # The two schemes disagree about the order (超期 weighs more in the county scheme).
    a, b = (hand_ranks(SCHEMES[c][1], books) for c in ("sanlv", "county150"))
    assert a != b, "the generated month should separate the two schemes"


def test_every_point_is_explained_down_to_ticket_numbers(app, history, api):
    book = history.books["2024-11"]["A1"]
    response = api.get("/api/v1/reports/assessment/explain?month=2024-11&scheme=sanlv&unit=A1", as_="supervisor1")
    assert response.status_code == 200, response.get_json()
    row = response.get_json()["row"]
    items = {i["measure"]: i for i in row["items"]}
    assert sum(i["points"] for i in row["items"]) == pytest.approx(row["score"], abs=0.05)
    assert sorted(items["response_rate"]["numbers"]["denominator"]) == sorted(c.number for c in book.callbacks)
    assert sorted(items["response_rate"]["numbers"]["numerator"]) == sorted(
        c.number for c in book.callbacks if c.contacted
    )
    assert sorted(items["overdue"]["numbers"]["numerator"]) == sorted(book.overdue)
    assert sorted(items["improper_return"]["numbers"]["numerator"]) == sorted(book.improper_return)
    assert sorted(items["rework"]["numbers"]["numerator"]) == sorted(book.rework)
    assert sorted(items["direct_answer"]["numbers"]["numerator"]) == sorted(book.quick)
    # The page shows every line and every ticket number behind it.
    page = login_page(api, "supervisor1").get("/reports/assessment/unit?month=2024-11&scheme=sanlv&unit=A1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for item in row["items"]:
        assert item["name"] in html and item["explanation"] in html
        for number in item["numbers"]["numerator"] + item["numbers"]["denominator"]:
            assert f">{number}</a>" in html


def save_scheme_as_admin(app, world) -> None:
    with app.app_context():
        save_scheme(db.session, "sanlv", "三率", SCHEMES["sanlv"][1], world.user("admin1"), effective_from="2024-01")
        db.session.commit()


def login_page(api, username: str):
    client = api.client.application.test_client()
    response = client.post("/login", data=login_form(username))
    assert response.status_code in (302, 303)
    return client


def test_api_shape_board_and_excel(app, history, api):
    response = api.get("/api/v1/reports/assessment?month=2024-11&scheme=sanlv", as_="dispatcher1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scheme"]["code"] == "sanlv"
    row = body["rows"][0]
    assert row["rank"] == 1 and set(row["unit"]) >= {"code", "name"}
    assert {"measure", "value", "points", "numerator", "denominator"} <= set(row["items"][0])
    ranked = [r for r in body["rows"] if r["rank"] is not None]
    assert body["board"]["red"][0]["unit"] == ranked[0]["unit"]
    assert body["board"]["black"][0]["unit"] == ranked[-1]["unit"]
    xlsx = api.get("/api/v1/reports/assessment?month=2024-11&scheme=sanlv&format=xlsx", as_="dispatcher1")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.data))
    assert wb.sheetnames == ["考评通报", "红黑榜", "得分明细"]
    sheet = wb["考评通报"]
    assert "考评通报" in sheet["A1"].value
    assert [c.value for c in sheet[2]][:3] == ["排名", "单位", "得分"]
    assert sheet["B3"].value == ranked[0]["unit"]["name"] and sheet["C3"].value == ranked[0]["score"]

    # A handler sees only its own subtree's rows.
    body = api.get("/api/v1/reports/assessment?month=2024-11&scheme=sanlv", as_="handler1").get_json()
    assert {r["unit"]["code"] for r in body["rows"]} == {"A1", "A1-01"}
    assert (
        api.get("/api/v1/reports/assessment/explain?month=2024-11&scheme=sanlv&unit=JTJ", as_="handler1").status_code
        == 404
    )

    for query, status in (
        ("month=2024-13&scheme=sanlv", 422),
        ("month=2024-11", 422),
        ("month=2024-11&scheme=nope", 404),
        ("month=2024-11&scheme=sanlv&format=pdf", 422),
    ):
        response = api.get(f"/api/v1/reports/assessment?{query}", as_="supervisor1")
        assert response.status_code == status, query
        assert response.get_json()["error"]["message"]


def test_a_closed_month_keeps_its_result_when_the_scheme_changes(app, history, api):
    with app.app_context():
        before = close_month(db.session, "sanlv", "2024-11", None, now=NOW)
        db.session.commit()
    changed = copy.deepcopy(SCHEMES["sanlv"][1])
    changed["measures"] = [{"measure": "response_rate", "weight": 100}]
    changed["deductions"] = []
    response = api.post(
        "/api/v1/reports/assessment/schemes",
        as_="admin1",
        json={
            "code": "sanlv",
            "name": "只看响应率",
            "definition": changed,
            "effective_from": "2024-10",
            "note": "试行",
        },
    )
    assert response.status_code == 201, response.get_json()
    v2 = response.get_json()
    assert v2["version"] == 2 and v2["created_by"] == "admin1"
    after = api.get("/api/v1/reports/assessment?month=2024-11&scheme=sanlv", as_="supervisor1").get_json()
    assert after["closed"] and after["scheme"]["version"] == 1
    assert [(r["unit"], r["score"], r["rank"]) for r in after["rows"]] == [
        (r["unit"], r["score"], r["rank"]) for r in before["rows"]
    ]
    # The open month before it is scored live by the new version; closing twice is refused.
    october = api.get("/api/v1/reports/assessment?month=2024-10&scheme=sanlv", as_="supervisor1").get_json()
    assert not october["closed"] and october["scheme"]["version"] == 2
    assert all(len(r["items"]) == 2 for r in october["rows"])  # 响应率 + the 直接答复 bonus
    again = api.post(
        "/api/v1/reports/assessment/close", as_="supervisor1", json={"month": "2024-11", "scheme": "sanlv"}
    )
    assert again.status_code == 409
    # The trend shows both months, each under the version that scored it.
    body = api.get(
        "/api/v1/reports/assessment/trend?scheme=sanlv&from=2024-10&to=2024-11&unit=A1", as_="supervisor1"
    ).get_json()
    (series,) = body["rows"]
    assert [(p["month"], p["scheme_version"], p["closed"]) for p in series["points"]] == [
        ("2024-10", 2, False),
        ("2024-11", 1, True),
    ]
    assert series["points"][1]["score"] == next(r["score"] for r in before["rows"] if r["unit"]["code"] == "A1")
    # Both versions stay on record.
    versions = api.get("/api/v1/reports/assessment/schemes?code=sanlv", as_="admin1").get_json()["rows"]
    assert [v["version"] for v in versions] == [2, 1]


def test_closing_a_month_not_over_is_refused(app, world, api):
    save_scheme_as_admin(app, world)
    response = api.post(
        "/api/v1/reports/assessment/close", as_="supervisor1", json={"month": "2099-01", "scheme": "sanlv"}
    )
    assert response.status_code in (404, 409)
    assert (
        api.post(
            "/api/v1/reports/assessment/close", as_="handler1", json={"month": "2024-11", "scheme": "sanlv"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"max_score": 150}, "权重之和"),
        ({"measures": [{"measure": "speed", "weight": 100}]}, "指标无效"),
        ({"deductions": [{"kind": "overdue", "points": -1}]}, "points"),
        ({"response_only_kinds": ["gossip"]}, "response_only_kinds"),
    ],
)
def test_bad_schemes_are_refused(app, world, api, change, fragment):
    definition = copy.deepcopy(SCHEMES["sanlv"][1]) | change
    response = api.post(
        "/api/v1/reports/assessment/schemes", as_="admin1", json={"code": "x", "name": "x", "definition": definition}
    )
    assert response.status_code == 422
    assert fragment in response.get_json()["error"]["message"]
    assert (
        api.post(
            "/api/v1/reports/assessment/schemes",
            as_="supervisor1",
            json={"code": "x", "name": "x", "definition": SCHEMES["sanlv"][1]},
        ).status_code
        == 403
    )


def test_the_admin_edits_a_scheme_on_the_page(app, history, api):
    client = login_page(api, "admin1")
    page = client.get("/reports/assessment/schemes?code=county150")
    assert page.status_code == 200 and "保存为第 2 版" in page.get_data(as_text=True)
    definition = SCHEMES["county150"][1] | {"min_sample": 5}
    import json

    saved = client.post(
        "/reports/assessment/schemes",
        data={
            "code": "county150",
            "name": "区县考评",
            "effective_from": "2024-12",
            "definition": json.dumps(definition),
            "note": "降低样本",
        },
    )
    assert saved.status_code in (302, 303)
    bad = client.post(
        "/reports/assessment/schemes",
        data={"code": "county150", "name": "x", "effective_from": "2024-12", "definition": "{not json"},
    )
    assert bad.status_code == 422
    versions = api.get("/api/v1/reports/assessment/schemes?code=county150", as_="admin1").get_json()["rows"]
    assert [(v["version"], v["created_by"], v["note"]) for v in versions] == [
        (2, "admin1", "降低样本"),
        (1, "admin1", None),
    ]
    assert parse_definition(versions[0]["definition"]).min_sample == 5
    # November is still scored by version 1 (version 2 applies from December).
    assert (
        api.get("/api/v1/reports/assessment?month=2024-11&scheme=county150", as_="supervisor1").get_json()["scheme"][
            "version"
        ]
        == 1
    )
    ranking = client.get("/reports/assessment?month=2024-11&scheme=county150")
    assert ranking.status_code == 200 and "红榜" in ranking.get_data(as_text=True)
