"""The responsibility list matcher: the demo list as a table, ordering, fallback, ambiguity, index == scan."""

from __future__ import annotations

import random

import pytest

from dispatch.rules import Facts, Rule, RuleBook, match_rules

GRID1 = dict(district="A1", street="A1-01", community="A1-01-01", grid="A1-01-01-G01")


@pytest.mark.parametrize(
    ("facts", "lead", "rule_id"),
    [
        (Facts(category="城乡建设", text="小区停水两天了", district="A3"), "ZLS", "ZT-01"),
        (Facts(category="城乡建设", text="晚上突然停电"), "GDJ", "ZT-02"),
        (Facts(category="环境保护", text="闻到煤气味"), "RQG", "ZT-03"),
        (Facts(category="城乡建设", text="暖气不热"), "RLG", "ZT-04"),
        (Facts(category="城乡建设", text="公积金贷款额度"), "GJJ", "ZX-01"),
        (Facts(category="劳动和社会保障", text="异地就医医保报销"), "YBJ", "ZX-02"),
        (Facts(category="商贸旅游", text="门口占道经营", **GRID1), "A1-01", "WG-01"),
        (Facts(category="城乡建设", text="楼上漏水邻里纠纷", **GRID1), "A1-01", "WG-03"),
        (Facts(category="环境保护", text="工厂偷排污水", district="A1"), "SHJ", "HB-00"),
        (Facts(category="环境保护", text="噪音扰民", district="A7"), "A7", "ZY-A7"),
        (Facts(category="环境保护", text="噪音扰民", district="A1"), "SHJ", "ZY-01"),
        (Facts(category="城乡建设", text="夜间施工扰民", district="A5"), "A5", "ZY-02"),
        (Facts(category="城乡建设", text="违章建筑", district="A1", street="A1-02"), "A1", "CJ-A1"),
        (Facts(category="城乡建设", text="违章建筑"), "ZJJ", "LB-01"),
        (Facts(category="城乡建设", text="房产证办理", district="A8"), "A8", "CJ-A8"),
        (Facts(category="城乡建设", text="物业乱收费", district="A2"), "ZJJ", "CJ-WY"),
        (Facts(category="劳动和社会保障", text="农民工工资被拖欠"), "RSJ", "LD-QX"),
        (Facts(category="教育文体", text="学位分配"), "JYJ", "LB-03"),
        (Facts(category="教育文体", text="图书馆开放时间"), "WLJ", "JY-WT"),
        (Facts(category="商贸旅游", text="景区门票乱收费"), "WLJ", "SM-LY"),
        (Facts(category="商贸旅游", kind="report", text="有人搞传销"), "SCJ", "SM-CX"),
        (Facts(category="卫生计生", text="医院排队太久"), "WJW", "LB-06"),
        (Facts(category="交通运输", text="公交线路调整"), "JTJ", "LB-07"),
        (Facts(category="交通运输", text="小区门口违停"), "GAJ", "JT-JJ"),
        (Facts(category="政务服务", text="办事难", district="A5"), "A5", "FB-01"),
        (Facts(category="政务服务", text="办事难"), "A", "FB-99"),
    ],
)
def test_demo_list_table(book: RuleBook, demo_rules: list[Rule], facts: Facts, lead: str, rule_id: str) -> None:
    decision = book.match(facts)
    assert decision is not None
    assert (decision.lead_unit, decision.rule_id) == (lead, rule_id)
    naive = match_rules(demo_rules, facts)
    assert naive is not None and (naive.lead_unit, naive.rule_id) == (lead, rule_id)
    assert decision.reason  # the 为什么 is never empty


def test_direct_lane_and_reason_in_chinese(book: RuleBook) -> None:
    d = book.match(Facts(category="城乡建设", text="停水了"))
    assert d is not None and d.direct and not d.fallback
    assert "市自来水公司" in d.reason and "城市供水条例" in d.reason


def test_grid_first_sends_to_grid_only_when_known(book: RuleBook) -> None:
    with_grid = book.match(Facts(category="环境保护", text="垃圾成堆", **GRID1))
    assert with_grid is not None and with_grid.grid == "A1-01-01-G01"
    assert with_grid.co_units == ("CGJ",)
    without = book.match(Facts(category="环境保护", text="垃圾成堆", district="A1", street="A1-01"))
    assert without is not None and without.grid == "" and without.lead_unit == "A1-01"


def test_local_lead_unresolved_skips_rule(book: RuleBook) -> None:
    # WG-02 needs the street (@street); with no address the category default applies instead.
    d = book.match(Facts(category="环境保护", text="垃圾成堆"))
    assert d is not None and d.rule_id == "LB-05"


def test_fallback_flags_and_none_without_fallback_row() -> None:
    rules = [Rule("R1", 10, category="交通运输", lead_unit="JTJ"), Rule("FB", 999, lead_unit="A")]
    d = match_rules(rules, Facts(category="教育文体"))
    assert d is not None and d.fallback and d.lead_unit == "A"
    assert match_rules(rules[:1], Facts(category="教育文体")) is None
    assert RuleBook(rules[:1]).match(Facts(category="教育文体")) is None


def test_priority_beats_specificity_and_specificity_breaks_ties() -> None:
    general = Rule("G", 10, category="城乡建设", lead_unit="ZJJ")
    local = Rule("L", 20, category="城乡建设", area="A1", lead_unit="A1")
    facts = Facts(category="城乡建设", district="A1")
    assert match_rules([general, local], facts).rule_id == "G"
    local_same = Rule("L", 10, category="城乡建设", area="A1", lead_unit="A1")
    d = match_rules([general, local_same], facts)
    assert d.rule_id == "L" and not d.ambiguous and d.alternatives == ("G",)
    street = Rule("S", 10, category="城乡建设", area="A1-01", lead_unit="A1-01")
    assert (
        match_rules([general, local_same, street], Facts(category="城乡建设", district="A1", street="A1-01")).rule_id
        == "S"
    )
    keyword = Rule("K", 10, category="城乡建设", keywords=("物业",), lead_unit="ZJJ2")
    assert match_rules([general, keyword], Facts(category="城乡建设", text="物业费")).rule_id == "K"


def test_ambiguous_when_equal_rank_rules_disagree() -> None:
    a = Rule("A", 10, category="城乡建设", keywords=("路灯",), lead_unit="CGJ")
    b = Rule("B", 10, category="城乡建设", keywords=("路灯", "井盖"), lead_unit="ZJJ")
    d = match_rules([b, a], Facts(category="城乡建设", text="路灯不亮"))
    assert d.rule_id == "A" and d.ambiguous and d.alternatives == ("B",)
    same_unit = Rule("B", 10, category="城乡建设", keywords=("路灯",), lead_unit="CGJ")
    assert not match_rules([a, same_unit], Facts(category="城乡建设", text="路灯不亮")).ambiguous


def test_category_code_prefix_and_names() -> None:
    rule = Rule("C", 10, category="CJ.01", lead_unit="ZJJ")
    assert match_rules([rule], Facts(category="CJ.01.03")) is not None
    assert match_rules([rule], Facts(category="CJ.01")) is not None
    assert match_rules([rule], Facts(category="CJ.010")) is None
    named = Rule("N", 10, category="城乡建设", lead_unit="ZJJ")
    assert RuleBook([named]).match(Facts(category="CJ.01.03", category_names=("城乡建设", "小区管理"))) is not None


def test_disabled_rule_is_ignored() -> None:
    off = Rule("OFF", 1, lead_unit="X", enabled=False)
    on = Rule("ON", 2, lead_unit="Y")
    assert match_rules([off, on], Facts()).rule_id == "ON"
    assert RuleBook([off, on]).match(Facts()).rule_id == "ON"


def _random_rule(rng: random.Random, i: int) -> Rule:
    category = rng.choice(["", "城乡建设", "交通运输", "CJ", "CJ.01", "CJ.01.02", "JT.03", "JT"])
    area = rng.choice(["", "", "A1", "A2", "A1-01", "A1-01-01", "A1-01-01-G01"])
    keywords = tuple(rng.sample(["停水", "噪音", "垃圾", "物业", "公交"], rng.randint(0, 2)))
    return Rule(
        id=f"R{i:03d}",
        priority=rng.choice([10, 20, 30]),
        category=category,
        area=area,
        kind=rng.choice(["", "", "complaint", "consult"]),
        keywords=keywords,
        lead_unit=rng.choice(["ZJJ", "CGJ", "A1", "@district", "@street"]),
        co_units=tuple(rng.sample(["GAJ", "@district", "SHJ"], rng.randint(0, 2))),
        grid_first=rng.random() < 0.3,
        enabled=rng.random() < 0.9,
    )


def _random_facts(rng: random.Random) -> Facts:
    place = rng.choice([{}, {"district": "A1"}, {"district": "A2", "street": "A2-01"}, GRID1])
    return Facts(
        category=rng.choice(["", "城乡建设", "交通运输", "CJ.01.02", "CJ.01", "CJ.02", "JT.03.01", "XX"]),
        category_names=rng.choice([(), ("城乡建设",), ("交通运输", "公交")]),
        kind=rng.choice(["", "complaint", "consult"]),
        text=rng.choice(["", "停水", "噪音和垃圾", "物业不作为", "公交晚点"]),
        **place,
    )


@pytest.mark.parametrize("seed", range(5))
def test_rulebook_equals_naive_scan_on_random_data(seed: int) -> None:
    rng = random.Random(seed)
    rules = [_random_rule(rng, i) for i in range(120)]
    book = RuleBook(rules)
    rng.shuffle(rules)  # the naive scan must not depend on row order either
    decided = 0
    for _ in range(400):
        facts = _random_facts(rng)
        fast, slow = book.match(facts), match_rules(rules, facts)
        assert fast == slow
        decided += fast is not None
    assert decided > 100  # the generator really exercises matches, not only misses
