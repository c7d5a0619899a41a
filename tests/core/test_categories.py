"""The taxonomy as a coded tree; categories named by code or by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.categories.services import load_taxonomy, resolve_category, taxonomy_rows
from hotline.core.errors import DomainError

TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "data" / "taxonomy.csv"


def test_codes_follow_the_tree():
    rows = taxonomy_rows(TAXONOMY)
    by_code = {code: (name, level, parent) for code, name, level, parent in rows}
    assert by_code["CX"] == ("城乡建设", 1, None)
    assert by_code["CX.01"] == ("安全生产", 2, "CX")
    assert by_code["CX.01.01"] == ("事故处理", 3, "CX.01")
    assert len([r for r in rows if r[2] == 1]) == 15
    assert len([r for r in rows if r[2] == 3]) == 517
    assert len(by_code) == len(rows)  # codes are unique


def test_load_is_idempotent_and_resolves_codes_and_names(session):
    added = load_taxonomy(session, TAXONOMY)
    assert load_taxonomy(session, TAXONOMY) == 0
    assert added == len(taxonomy_rows(TAXONOMY))
    assert resolve_category(session, "城乡建设").code == "CX"
    assert resolve_category(session, "CX.01.01").path_name == "城乡建设/安全生产/事故处理"
    with pytest.raises(DomainError) as missing:
        resolve_category(session, "不存在的分类")
    assert missing.value.status == 422


def test_intake_stores_the_code_for_a_named_category(api, app):
    with app.app_context():
        from hotline.core.extensions import db

        load_taxonomy(db.session, TAXONOMY)
        db.session.commit()
    ticket = api.new_ticket(category="交通运输")
    assert ticket["category"] == "JT"
    bad = api.post("/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": "x", "category": "火星事务"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "unknown_category"
    tree = api.get("/api/v1/categories", as_="agent1").get_json()
    assert {"code": "JT", "name": "交通运输", "path": "交通运输", "level": 1} in tree
