"""Hot spots: top categories/areas, the Poisson surge statistic, 类案 clusters (also on the real CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import math

from hotline.core.clock import TZ
from reports.hotspots import cluster_texts, hotspots, hotspots_from_csv, poisson_z, surges
from reports.queries import Period
from tests.reports.conftest import Maker

STREETLIGHT = [
    "东风路路灯不亮晚上很黑",
    "东风路路灯坏了很多天不亮",
    "东风路路灯晚上不亮存在安全隐患",
    "东风路多处路灯不亮",
]
NOISE = ["幸福小区工地夜间施工噪音扰民", "幸福小区旁工地夜间施工噪音太大", "幸福小区工地深夜施工噪音扰民严重"]
OTHER = ["社保卡补办需要什么材料", "孩子入学需要哪些证明", "公积金提取流程咨询"]


def test_poisson_z():
    assert poisson_z(12, 3.0) == (12 - 3.0) / math.sqrt(3.0)
    assert poisson_z(5, 0.0) == 5.0  # the baseline is floored at 1 so an empty history is not infinite


def test_clusters_group_similar_texts():
    clusters = cluster_texts(STREETLIGHT + NOISE + OTHER, threshold=0.3)
    groups = sorted(sorted(c.members) for c in clusters)
    assert groups == [[0, 1, 2, 3], [4, 5, 6]]
    labels = {len(c.members): c.label for c in clusters}
    assert "路灯" in labels[4] and "工地" in labels[3]


def test_surges_and_hotspots_from_tickets(session, world):
    m = Maker(session, world)
    last = dt.date(2024, 11, 3)
    # Four baseline weeks with 1 ticket each of category HB.02, then 9 in the last week; JT.01 steady at 5/week.
    for week in range(1, 5):
        day = dt.datetime.combine(last - dt.timedelta(days=7 * week), dt.time(10), TZ)
        m.new(day, category="HB.02", content=NOISE[0])
        for i in range(5):
            m.new(day + dt.timedelta(minutes=i), category="JT.01", content=OTHER[i % 3])
    for i in range(9):
        m.new(
            dt.datetime.combine(last - dt.timedelta(days=i % 7), dt.time(9), TZ),
            category="HB.02",
            content=NOISE[i % 3],
            address="幸福小区",
            area="A1",
        )
    for i in range(5):
        m.new(dt.datetime.combine(last, dt.time(11, i), TZ), category="JT.01", content=STREETLIGHT[i % 4])
    session.commit()
    found = {s["category"]: s for s in surges(session, last)}
    assert found["HB.02"]["this_week"] == 9 and found["HB.02"]["baseline"] == 1.0
    assert found["HB.02"]["z"] == round((9 - 1) / 1.0, 2) and found["HB.02"]["surge"]
    assert found["JT.01"]["z"] == 0.0 and not found["JT.01"]["surge"]
    explanation = found["HB.02"]["explanation"]
    assert "平常波动" in explanation and "倍" in explanation and "z =" not in explanation and "√" not in explanation
    result = hotspots(session, Period(last - dt.timedelta(days=6), last))
    assert result["top_categories"][0] == {"category": "HB.02", "count": 9}
    assert result["top_areas"][0] == {"area": "A1区", "count": 9}
    noise = next(c for c in result["clusters"] if "工地" in c["label"])
    assert noise["size"] == 9


def test_hotspot_demo_on_real_messages(tmp_path, app):
    source = app.config["HOTLINE_DATA_DIR"] + "/hotspot_messages.csv"
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:600]
    sample = tmp_path / "sample.csv"
    with sample.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = hotspots_from_csv(sample)
    assert result["messages"] == 600 and result["clusters"]
    by_id = {r["id"]: r for r in rows}
    for cluster in result["clusters"]:
        assert cluster["size"] == len(cluster["members"]) >= 3
        assert cluster["upvotes"] == sum(int(by_id[i]["upvotes"] or 0) for i in cluster["members"])
    heats = [c["heat"] for c in result["clusters"]]
    assert heats == sorted(heats, reverse=True)
