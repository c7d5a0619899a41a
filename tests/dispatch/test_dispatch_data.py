"""Demo data consistency: every code the list and the gazetteer use exists, in the right place of the tree."""

from __future__ import annotations

from collections import Counter

from dispatch.gazetteer import GazetteerEntry, UnitRow
from dispatch.rules import LOCAL_TOKENS, Rule

KINDS = {"city", "district", "department", "enterprise", "street", "community", "grid"}
FIXED = {
    "A": "city",
    "A1": "district",
    "A7": "district",
    "A9": "district",
    "ZJJ": "department",
    "JTJ": "department",
    "GJJ": "department",
    "ZLS": "enterprise",
    "GDJ": "enterprise",
    "RQG": "enterprise",
    "RLG": "enterprise",
    "A1-01-01-G01": "grid",
}
CATEGORIES = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")


def test_unit_tree_is_well_formed(units: list[UnitRow]) -> None:
    by_code = {u.code: u for u in units}
    assert len(by_code) == len(units), "duplicate unit codes"
    assert 250 <= len(units) <= 400
    assert {u.kind for u in units} <= KINDS
    roots = [u for u in units if not u.parent_code]
    assert [r.code for r in roots] == ["A"]
    parent_kind = {"street": "district", "community": "street", "grid": "community"}
    for u in units:
        if u.parent_code:
            assert u.parent_code in by_code, u.code
        if u.kind in parent_kind:
            assert by_code[u.parent_code].kind == parent_kind[u.kind], u.code
    for code, kind in FIXED.items():
        assert by_code[code].kind == kind
    assert {f"A{i}" for i in range(1, 10)} <= by_code.keys()
    streets = Counter(u.parent_code for u in units if u.kind == "street")
    assert all(3 <= n <= 5 for n in streets.values()) and len(streets) == 9


def test_gazetteer_codes_exist_and_nest(units: list[UnitRow], gazetteer: list[GazetteerEntry]) -> None:
    by_code = {u.code: u for u in units}
    assert len(gazetteer) >= 200
    for e in gazetteer:
        grid = by_code[e.grid_code]
        assert grid.kind == "grid", e.place
        assert grid.parent_code == e.community
        assert by_code[e.community].parent_code == e.street
        assert by_code[e.street].parent_code == e.district
    assert any(e.grid_code == "A1-01-01-G01" for e in gazetteer)  # grid1's grid has places to demo


def test_responsibility_list_codes_exist(units: list[UnitRow], demo_rules: list[Rule]) -> None:
    codes = {u.code for u in units}
    for r in demo_rules:
        assert r.lead_unit in codes or r.lead_unit in LOCAL_TOKENS, r.id
        assert all(c in codes or c in LOCAL_TOKENS for c in r.co_units), r.id
        assert not r.area or r.area in codes, r.id
        assert r.legal_basis, r.id
    assert len({r.id for r in demo_rules}) == len(demo_rules)
    defaults = {r.category for r in demo_rules if r.category and not r.area and not r.keywords and not r.kind}
    assert set(CATEGORIES) <= defaults
    assert sum(r.is_fallback for r in demo_rules) >= 1
