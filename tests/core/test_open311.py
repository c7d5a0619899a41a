"""Open311 GeoReport v2: any 311 client can file and follow a ticket."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "data" / "taxonomy.csv"


@pytest.fixture
def key(app, world) -> str:
    from hotline.categories.services import load_taxonomy
    from hotline.core.extensions import db
    from hotline.open311.services import create_client

    with app.app_context():
        load_taxonomy(db.session, TAXONOMY)
        secret = create_client(db.session, "citizen-app")
        db.session.commit()
    return secret


def test_file_and_follow_a_request(api, key):
    client = api.client
    services = client.get("/open311/v2/services.json").get_json()
    assert {"service_code": "JT", "service_name": "交通运输"}.items() <= next(
        s for s in services if s["service_code"] == "JT"
    ).items()
    filed = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "CX.01",
            "description": "工地夜间施工噪音扰民",
            "address_string": "A1区东风路8号",
            "phone": "13800001111",
            "first_name": "三",
            "last_name": "张",
        },
    )
    assert filed.status_code == 201
    number = filed.get_json()[0]["service_request_id"]
    shown = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    assert shown["status"] == "open" and shown["status_notes"] == "已受理" and shown["service_code"] == "CX.01"
    assert "13800001111" not in str(shown)  # the public view carries no caller data
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    shown = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    assert shown["agency_responsible"] == "A1区" and shown["expected_datetime"]
    xml = client.get(f"/open311/v2/requests/{number}.xml")
    root = ET.fromstring(xml.data)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == number
    listing = client.get("/open311/v2/requests.json?status=open&service_code=CX.01").get_json()
    assert [r["service_request_id"] for r in listing] == [number]
    assert client.get(f"/open311/v2/tokens/{number}.json").get_json()[0]["service_request_id"] == number


def test_bad_requests_get_georeport_errors(api, key):
    client = api.client
    no_key = client.post("/open311/v2/requests.json", data={"service_code": "JT", "description": "x"})
    assert no_key.status_code == 403 and no_key.get_json()[0]["code"] == 403
    unknown = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "ZZ", "description": "x"})
    assert unknown.status_code == 404
    empty = client.post("/open311/v2/requests.xml", data={"api_key": key, "service_code": "JT"})
    assert empty.status_code == 400 and ET.fromstring(empty.data).find("error/code").text == "400"
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    assert client.get("/open311/v2/discovery.json").get_json()["endpoints"][0]["formats"] == [
        "application/json",
        "text/xml",
    ]


def test_the_public_view_keeps_private_what_was_not_written_for_the_public(api, key):
    """Ticket numbers are sequential: whatever GET shows, anyone can read for every ticket."""
    client = api.client
    filed = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "CX.01",
            "address_string": "A1区东风路8号",
            "description": "东风路8号工地夜间施工，联系我13800001111，身份证110101199003071234，邮箱zhang@example.com",
        },
    )
    shown = client.get(f"/open311/v2/requests/{filed.get_json()[0]['service_request_id']}.json").get_json()[0]
    assert shown["description"].startswith("东风路8号工地夜间施工") and shown["address"] == "A1区东风路8号"
    for secret in ("13800001111", "110101199003071234", "zhang@example.com"):
        assert secret not in shown["description"]
    assert "138****1111" in shown["description"]
    by_phone = api.new_ticket(content="我家楼上每晚噪音，我是3栋502的李四", address="东风社区3栋502")
    shown = client.get(f"/open311/v2/requests/{by_phone['number']}.json").get_json()[0]
    assert shown["description"] is None and shown["address"] is None and shown["status"] == "open"
    number = api.new_ticket(
        channel="message_board", kind="report", content="举报某餐馆后厨卫生很差", address="东风路9号"
    )["number"]
    listed = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").get_json()}
    assert number not in listed and filed.get_json()[0]["service_request_id"] in listed
    assert client.get(f"/open311/v2/requests/{number}.json").status_code == 404  # 举报 are never public
