"""The ticket index's tokens, segmented piece by piece (and kept in a memo by the bulk writer), are exactly
those of the ticket's whole text."""

from __future__ import annotations

import csv
from pathlib import Path

from hotline.search.index import MAX_TOKENS, TokenMemo, spanning_words, ticket_tokens
from knowledge.search.tokenize import index_tokens

MESSAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "messages.csv"


def _whole_text_tokens(title: str | None, content: str | None, address: str | None) -> list[str]:
    text = " ".join(p for p in (title, content, address) if p)
    return list(dict.fromkeys([*index_tokens(text), *spanning_words(text)]))[:MAX_TOKENS]


def test_piecewise_tokens_equal_the_whole_texts_on_real_messages():
    with MESSAGES.open(encoding="utf-8", newline="") as fh:
        rows = [r for _, r in zip(range(400), csv.DictReader(fh), strict=False)]
    memo: TokenMemo = {}
    addresses = ["A市A1区桂花坪街道", "", "B2区 3号楼-2单元", None]
    for i, row in enumerate(rows):
        title, content, address = row["title"], row["detail"] or None, addresses[i % len(addresses)]
        expected = _whole_text_tokens(title, content, address)
        assert ticket_tokens(title, content, address) == expected, title
        assert ticket_tokens(title, content, address, memo) == expected, title
        kept = len(memo)
        assert ticket_tokens(title, content, address, memo) == expected, title  # from the memo this time
        assert len(memo) == kept
    assert len(memo) <= len({p for r in rows for p in (r["title"], r["detail"]) if p}) + len(addresses)


def test_pieces_that_touch_across_the_join_are_still_cut_apart():
    # "停水" + "水管" would make a run "停水 水管" only through the space, which ends jieba blocks and runs.
    assert ticket_tokens("小区停水", "水管破裂", "路口") == _whole_text_tokens("小区停水", "水管破裂", "路口")
    assert ticket_tokens("abc", "12345热线", None) == _whole_text_tokens("abc", "12345热线", None)
