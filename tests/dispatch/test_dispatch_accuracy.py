"""The accuracy evaluation counts what it claims to count."""

from __future__ import annotations

from dispatch.accuracy import LabelledMessage, evaluate
from dispatch.gazetteer import AddressMatcher
from dispatch.rules import RuleBook


def test_evaluate_counts(book: RuleBook, matcher: AddressMatcher) -> None:
    messages = [
        LabelledMessage("1", "A1区融科檀香山小区门口垃圾成堆", "环境保护"),  # grid-first street: local
        LabelledMessage("2", "学校乱收补课费", "教育文体"),  # category default department
        LabelledMessage("3", "A3区西湖街道停水", "城乡建设"),  # direct lane: neither expected nor local
    ]
    report = evaluate(messages, book, matcher)
    assert report.n == 3
    assert report.specific_rule == 3
    assert (report.expected_department, report.local_unit, report.expected_or_local) == (1, 1, 2)
    assert report.direct == 1
    assert (report.address_district, report.address_grid) == (2, 1)
    assert report.shares()["expected_or_local"] == round(2 / 3, 4)
