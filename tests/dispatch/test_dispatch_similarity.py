"""Duplicate proposals: near-identical reports of one place are proposed, others are not."""

from __future__ import annotations

from dispatch.similarity import (
    DEFAULT_THRESHOLD,
    Candidate,
    SimilarityIndex,
    areas_compatible,
    find_similar,
)

NEW = "A1区融科檀香山小区门口每天晚上有人占道经营烧烤，油烟噪音扰民严重，请城管处理"
SAME = "A1区融科檀香山小区门口每天晚上都有人占道经营烧烤，油烟和噪音扰民严重，请尽快处理"
OTHER = "A7县星沙街道社保卡办理进度咨询，已经等了两个月还没有拿到卡"
OTHER2 = "孩子上小学的学位分配问题，按片区划分不合理"


def test_near_identical_is_proposed_unrelated_is_not() -> None:
    found = find_similar(
        NEW, "A1-04", [Candidate("1", SAME, "A1-04-01-G01"), Candidate("2", OTHER, "A7"), Candidate("3", OTHER2, "")]
    )
    assert [f.id for f in found] == ["1"]
    assert found[0].score >= DEFAULT_THRESHOLD


def test_same_text_in_another_district_is_not_a_duplicate() -> None:
    assert find_similar(NEW, "A1-04", [Candidate("9", SAME, "A3")]) == []
    assert areas_compatible("A1-04-01-G01", "A1") and areas_compatible("", "A3")
    assert not areas_compatible("A1", "A10") and not areas_compatible("A1-04", "A1-05")


def test_index_add_remove_and_exclude() -> None:
    index = SimilarityIndex([Candidate("2", OTHER, "A7"), Candidate("3", OTHER2, "")])
    assert index.query(NEW, "A1") == []
    index.add(Candidate("1", SAME, "A1-04"))
    assert [s.id for s in index.query(NEW, "A1")] == ["1"]
    assert index.query(SAME, "A1", exclude="1") == []
    index.remove("1")
    assert index.query(NEW, "A1") == [] and len(index) == 2


def test_results_are_ranked_and_limited() -> None:
    pool = [Candidate(str(i), SAME + "。" * i) for i in range(8)] + [Candidate("x", NEW)]
    found = find_similar(NEW, "", pool, limit=3)
    assert len(found) == 3 and found[0].id == "x"
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
