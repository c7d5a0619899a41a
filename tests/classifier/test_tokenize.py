from classifier.tokenize import normalize_text, tokenize


def test_normalize_collapses_scraped_padding_and_cjk_gaps() -> None:
    assert normalize_text("\n\t\t\t  小区 停水\n\t\t 了  A 市  ") == "小区停水了 A 市"


def test_userdict_terms_stay_whole() -> None:
    words = tokenize("我想提取住房公积金，顺便问医保和居住证，楼下占道经营、噪音扰民。")
    for term in ("住房公积金", "医保", "居住证", "占道经营", "噪音扰民"):
        assert term in words


def test_stop_words_punctuation_and_numbers_dropped() -> None:
    words = tokenize("我的 小区 的 物业费 太贵了！！ 2019 年")
    assert "的" not in words and "我" not in words
    assert "！" not in words and "！！" not in words and "2019" not in words
    assert "物业费" in words


def test_empty_text() -> None:
    assert tokenize("  \n\t ") == []
