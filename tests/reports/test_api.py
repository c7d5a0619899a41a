"""The reports API and pages: roles, scoping, formats, 422s, campaigns, snapshots and the CLI."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from reports.exports import XLSX_MIME
from tests.conftest import login_form
from tests.reports.conftest import FROM, TO

RANGE = f"from={FROM}&to={TO}"


@pytest.mark.parametrize("kind", ["rates", "backlog", "hotspots"])
def test_reports_for_managers_and_refused_for_agents(month, api, kind):
    for who in ("supervisor1", "admin1", "dispatcher1"):
        response = api.get(f"/api/v1/reports/{kind}?{RANGE}", as_=who)
        assert response.status_code == 200, response.get_json()
        assert isinstance(response.get_json()["rows"], list) and response.get_json()["rows"]
    assert api.get(f"/api/v1/reports/{kind}?{RANGE}", as_="agent1").status_code == 403
    assert api.get(f"/api/v1/reports/{kind}?{RANGE}").status_code == 401
    workbook = api.get(f"/api/v1/reports/{kind}?{RANGE}&format=xlsx", as_="supervisor1")
    assert workbook.status_code == 200 and workbook.mimetype == XLSX_MIME
    assert load_workbook(io.BytesIO(workbook.data)).sheetnames


def test_rates_row_shape(month, api):
    body = api.get(f"/api/v1/reports/rates?{RANGE}&min_sample=3", as_="supervisor1").get_json()
    row = next(r for r in body["rows"] if r["unit"]["code"] == "JTJ")
    for key in (
        "dispatched",
        "accepted_on_time",
        "returns_approved",
        "due",
        "replied_on_time",
        "valid_callbacks",
        "contacted",
        "resolved",
        "satisfied",
        "reworked",
        "closed",
        "overdue",
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "rank",
    ):
        assert key in row
    assert row["unit"] == {"code": "JTJ", "name": "市交通运输局"} and row["rank"] == 1
    assert body["totals"]["registered"] > 0


def test_handler_sees_only_their_subtree(month, api):
    rows = api.get(f"/api/v1/reports/rates?{RANGE}", as_="handler1").get_json()["rows"]
    assert {r["unit"]["code"] for r in rows} == {"A1", "A1-01"}
    backlog = api.get("/api/v1/reports/backlog", as_="street1").get_json()["rows"]
    assert backlog and {r["unit"]["code"] for r in backlog} == {"A1-01"}
    assert api.get(f"/api/v1/reports/rates?{RANGE}&unit=JTJ", as_="handler1").status_code == 403
    assert api.get(f"/api/v1/reports/rates?{RANGE}&unit=A1-01", as_="handler1").status_code == 200
    own = api.get("/api/v1/reports/backlog", as_="handler2").get_json()["rows"]
    assert own and all(r["unit"]["code"] == "JTJ" for r in own)


@pytest.mark.parametrize(
    "query",
    [
        "from=2024-13-01",
        "to=yesterday",
        "from=2024-10-20&to=2024-10-01",
        "format=pdf",
        "by=year",
        "min_sample=-1",
        "rank_by=rework_rate",
        "unit=NOPE",
    ],
)
def test_bad_parameters_are_422(month, api, query):
    response = api.get(f"/api/v1/reports/rates?{query}", as_="supervisor1")
    assert response.status_code == 422 and response.get_json()["error"]["code"]


def test_backlog_filters_and_drill_down(month, api):
    body = api.get("/api/v1/reports/backlog?reason=suspended", as_="supervisor1").get_json()
    assert [r["number"] for r in body["rows"]] == [month.numbers["suspended"]]
    row = body["rows"][0]
    assert {"number", "unit", "age_days", "reasons", "category", "state", "warning"} <= set(row)
    assert api.get("/api/v1/reports/backlog?bucket=1-2", as_="supervisor1").status_code == 422
    drill = api.get(f"/api/v1/reports/tickets?{RANGE}&measure=returns_approved&exact_unit=JTJ", as_="supervisor1")
    assert drill.get_json()["numbers"] == [month.numbers["returned_reworked"]]
    assert api.get(f"/api/v1/reports/tickets?{RANGE}&measure=nope", as_="supervisor1").status_code == 422


def test_campaign_endpoints(month, api):
    created = api.post(
        "/api/v1/reports/campaigns",
        as_="supervisor1",
        json={"name": "万件清理", "start_date": "2024-10-21", "scope_unit": "A1"},
    )
    assert created.status_code == 201, created.get_json()
    campaign = created.get_json()["campaign"]
    assert campaign["scope_unit"]["code"] == "A1" and campaign["backlog_at_start"] > 0
    assert api.post("/api/v1/reports/campaigns", as_="handler1", json={"name": "x"}).status_code == 403
    assert (
        api.post(
            "/api/v1/reports/campaigns", as_="supervisor1", json={"name": "x", "start_date": "2024-02-30"}
        ).status_code
        == 422
    )
    cid = campaign["id"]
    rows = api.get(f"/api/v1/reports/campaigns/{cid}/ledger", as_="dispatcher1").get_json()["rows"]
    assert len(rows) == campaign["backlog_at_start"]
    assert all(r["unit"]["code"].startswith("A1") for r in rows if r["unit"])
    open_number = next(r["number"] for r in rows if not r["closed"])
    refused = api.post(
        f"/api/v1/reports/campaigns/{cid}/strike-off", as_="supervisor1", json={"numbers": [open_number]}
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "ticket_open"
    assert api.post(f"/api/v1/reports/campaigns/{cid}/strike-off", as_="supervisor1", json={}).status_code == 422
    supervised = api.post(f"/api/v1/reports/campaigns/{cid}/supervise", as_="supervisor1", json={"note": "限期"})
    assert supervised.status_code == 200 and supervised.get_json()["ok"] == len(rows)
    assert api.post(f"/api/v1/reports/campaigns/{cid}/supervise", as_="dispatcher1", json={}).status_code == 403
    burndown = api.get(f"/api/v1/reports/campaigns/{cid}/burndown", as_="supervisor1").get_json()
    assert burndown["rows"][0]["remaining"] == len(rows)
    export = api.get(f"/api/v1/reports/campaigns/{cid}/export", as_="supervisor1")
    assert export.mimetype == XLSX_MIME and "汇总" in load_workbook(io.BytesIO(export.data)).sheetnames
    listed = api.get("/api/v1/reports/campaigns", as_="admin1").get_json()["rows"]
    assert listed[0]["id"] == cid and listed[0]["remaining"] == len(rows)
    assert api.get("/api/v1/reports/campaigns/999/ledger", as_="supervisor1").status_code == 404


def login(client, username: str):
    return client.post("/login", data=login_form(username))


def test_reports_page_by_role(month, app, api):
    client = app.test_client()
    assert client.get("/reports").status_code == 302
    login(client, "supervisor1")
    page = client.get("/reports")
    assert page.status_code == 200 and "报表中心" in page.get_data(as_text=True)
    drill = client.get(f"/reports/tickets?{RANGE}&measure=returns_approved&unit=JTJ")
    assert month.numbers["returned_reworked"] in drill.get_data(as_text=True)
    # The page's own fetches use the session.
    assert client.get(f"/api/v1/reports/rates?{RANGE}").status_code == 200
    other = app.test_client()
    login(other, "handler1")
    assert other.get("/reports").status_code == 403


def test_summary_job_cli_and_download(month, app, api):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "summary", "--period", "weekly"])
    assert result.exit_code == 0, result.output
    listed = api.get("/api/v1/reports/snapshots", as_="supervisor1").get_json()["rows"]
    assert len(listed) == 1 and listed[0]["period"] == "weekly"
    full = api.get(f"/api/v1/reports/snapshots/{listed[0]['id']}", as_="supervisor1").get_json()
    assert "totals" in full["summary"] and "backlog" in full["summary"]
    download = api.get(listed[0]["xlsx_url"], as_="supervisor1")
    assert download.mimetype == XLSX_MIME
    assert load_workbook(io.BytesIO(download.data)).sheetnames == ["三率", "积压", "热点"]
