"""The extractive summary: the request sentences, in text order, never over 80 characters."""

from __future__ import annotations

import csv

import pytest

from classifier.model_selection import MESSAGES_CSV
from classifier.summary import MAX_CHARS, split_sentences, summarize

LETTER = (
    "尊敬的领导：您好！我是A市A3区桐梓坡西路可可小城的居民。小区自今年六月以来经常停水，每次停水都没有通知。"
    "业主多次找物业、开发商和居委会，至今没有找到原因。大家都要上班，孩子要上学，生活非常不便。"
    "恳请有关部门尽快查明原因，解决停水问题。此致敬礼！"
)


def test_summary_keeps_the_problem_and_the_request():
    summary = summarize(LETTER, "A3区可可小城长期停水得不到解决")
    assert len(summary) <= MAX_CHARS
    assert "停水" in summary and "恳请有关部门尽快查明原因" in summary
    assert "尊敬的领导" not in summary and "此致敬礼" not in summary
    # Extractive and in text order: every sentence is the letter's own.
    sentences = split_sentences(summary)
    positions = [LETTER.index(s) for s in sentences]
    assert positions == sorted(positions)


def test_one_long_sentence_is_cut_at_a_clause():
    text = "，".join(["小区门口的道路长期积水严重影响出行"] * 10) + "。"
    summary = summarize(text)
    assert len(summary) <= MAX_CHARS and summary.endswith("…")


@pytest.mark.parametrize("text", ["", " ", "。", "谢谢！"])
def test_empty_or_trivial_text(text):
    assert len(summarize(text)) <= MAX_CHARS


def test_every_real_message_fits():
    with MESSAGES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = [r for _, r in zip(range(300), csv.DictReader(fh), strict=False)]
    for r in rows:
        summary = summarize(r["detail"], r["title"])
        assert 0 < len(summary) <= MAX_CHARS, r["id"]
