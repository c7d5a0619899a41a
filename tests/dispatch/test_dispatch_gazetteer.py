"""Address resolution: 简称, noise, district prefixes, homonyms, fuzzy matches and scale."""

from __future__ import annotations

import random

import pytest

from dispatch.gazetteer import AddressMatcher, GazetteerEntry, clean_address, user_dictionary_words


@pytest.mark.parametrize(
    ("text", "place", "grid"),
    [
        ("檀香山5号楼2单元301", "融科檀香山小区", "A1-04-01-G01"),
        ("A市A1区融科檀香山小区附近", "融科檀香山小区", "A1-04-01-G01"),
        ("融科檀香山旁边那个垃圾站", "融科檀香山小区", "A1-04-01-G01"),
        ("桐梓坡路与麓山路交叉口", "桐梓坡路", "A3-03-02-G01"),
        ("芙蓉中路", "芙蓉中路", "A1-01-01-G02"),
        ("ａ１区春天小区３栋", "春天小区", "A1-01-01-G01"),  # full-width input
    ],
)
def test_place_and_alias_resolve_to_grid(matcher: AddressMatcher, text: str, place: str, grid: str) -> None:
    m = matcher.match(text)
    assert m is not None
    assert (m.place, m.grid_code) == (place, grid)
    assert m.score == 1.0


def test_noise_is_stripped() -> None:
    assert clean_address("融科檀香山小区5号楼2单元301附近") == "融科檀香山小区"
    assert clean_address("A3区 德润园 12栋 旁边") == "A3区德润园"
    assert clean_address("星沙大道与凉塘路交叉口东北角") == "星沙大道与凉塘路东北角"


def test_district_prefix_variants_agree(matcher: AddressMatcher) -> None:
    assert matcher.district_hint("A市A3区") == matcher.district_hint("A3区") == "A3"
    assert matcher.district_hint("K1区某路") == ""  # another city's district is not ours
    only_district = matcher.match("A市A3区")
    assert only_district is not None and only_district.district == "A3" and only_district.grid_code == ""


def test_homonym_resolved_by_district(matcher: AddressMatcher) -> None:
    a4 = matcher.match("A4区万达广场门口")
    a1 = matcher.match("A市A1区万达广场")
    assert a4 is not None and a4.district == "A4" and a4.score == 1.0
    assert a1 is not None and a1.district == "A1"
    bare = matcher.match("万达广场")
    assert bare is not None and bare.score < 1.0  # two 万达广场: flagged as unsure


def test_unit_names_without_place(matcher: AddressMatcher) -> None:
    m = matcher.match("西湖街道施家港社区")
    assert m is not None and (m.district, m.street, m.community) == ("A3", "A3-01", "A3-01-01")
    assert m.place == ""
    street = matcher.match("泉塘街道办事处")
    assert street is not None and street.street == "A7-02" and street.community == ""


def test_fuzzy_match_for_near_miss(matcher: AddressMatcher) -> None:
    m = matcher.match("融科檀香小区旁边")
    assert m is not None and m.place == "融科檀香山小区" and 0 < m.score < 1.0
    assert matcher.match("融科檀香小区旁边", fuzzy=False) is None


@pytest.mark.parametrize("text", ["", "我家楼下", "K1区某某小区", "请问怎么办理"])
def test_unknown_addresses_return_none(matcher: AddressMatcher, text: str) -> None:
    assert matcher.match(text) is None


def test_user_dictionary_words(matcher: AddressMatcher) -> None:
    words = matcher.user_dictionary_words()
    assert {"融科檀香山小区", "檀香山", "西湖街道"} <= set(words)
    assert "檀香山" in user_dictionary_words()


def test_scales_to_fifty_thousand_entries() -> None:
    rng = random.Random(7)
    chars = "安宝北滨城春翠东恩芙桂海和华湖嘉金锦康兰丽莲林龙麓梅明南鹏平清泉荣瑞山盛松泰桃天桐万望文西香湘新"
    entries, seen = [], set()
    while len(entries) < 50_000:
        core = "".join(rng.choice(chars) for _ in range(4))
        if core in seen:
            continue
        seen.add(core)
        n = len(entries)
        entries.append(GazetteerEntry(f"A{n % 9 + 1}", "S", "C", core + "小区", (), f"G{n}"))
    matcher = AddressMatcher(entries)
    for i in rng.sample(range(50_000), 50):
        e = entries[i]
        m = matcher.match(f"{e.place}3栋2单元门口")
        assert m is not None and m.grid_code == e.grid_code
