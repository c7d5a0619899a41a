"""The index's own search-mode segmentation must give exactly jieba's tokens."""

from __future__ import annotations

from knowledge.search.index import tsvector_literal
from knowledge.search.tokenize import _clean, block_tokens, get_tokenizer, text_blocks

SAMPLES = [
    "住房公积金提取办理指南",
    "关于A市A2区桂花坪街道的A2区公安分局办理居住证的问题",
    "iPhone12手机在12345热线反映，社会保障卡丢失后补办需要多久？",
    "小区停水停电，物业不作为乱收费；C++ 与 a.b-c 12% x_y #&",
    "中a文b 3号线是连通星沙至市区的地铁，6月份业主建议公交公司延长17路",
    "职工购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房自住，离休退休",
]


def test_block_tokens_equal_jieba_search_mode():
    tokenizer = get_tokenizer()
    for text in SAMPLES:
        for block in text_blocks(text):
            assert block_tokens(block) == tuple(_clean(tokenizer.cut_for_search(block, HMM=False))), block


def test_tsvector_literal_positions_weights_and_quotes():
    literal = tsvector_literal((["公积金", "提取"], "A"), (["提取", "it's"], ""))
    assert literal == "'公积金':1A '提取':2A,3 'it''s':4"
    assert tsvector_literal(([], "A")) == ""


def test_the_server_loads_the_dictionary_before_its_first_request(app, monkeypatch):
    """Under gevent the dictionary's load (one C call) would hold every connection of the process still."""
    import knowledge.search.tokenize as kb_tokenize
    from hotline.core.wiring import run_preloaders

    monkeypatch.setattr(kb_tokenize, "_tokenizer", None)  # as in a process that has not searched yet
    with app.app_context():
        run_preloaders(app)
    assert kb_tokenize._tokenizer is not None
