"""智能填单 as pure functions: names, phones, addresses through a gazetteer, times, title, spans."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from classifier.fill import Filler
from classifier.phones import find_phones
from classifier.times import cn_number, find_times
from dispatch.gazetteer import AddressMatcher, GazetteerEntry, UnitRow

NOW = dt.datetime(2026, 12, 2, 9, 30)
PLACES = [
    GazetteerEntry("A1", "A1-01", "A1-01-02", "火炬小区", ("火炬苑",), "A1-01-02-G01"),
    GazetteerEntry("A1", "A1-01", "A1-01-03", "万达广场", (), "A1-01-03-G01"),
    GazetteerEntry("A3", "A3-02", "A3-02-01", "万达广场", (), "A3-02-01-G02"),
    GazetteerEntry("A3", "A3-02", "A3-02-01", "梅溪湖壹号", (), "A3-02-01-G01"),
]
UNITS = [UnitRow("A1", "A1区", "A", "district"), UnitRow("A3", "A3区", "A", "district")]
TRANSCRIPT = (
    "话务员：您好，12345热线，请问有什么可以帮您？\n"
    "来电人：你好，我姓王，叫王建国，我住在火炬小区3栋2单元502，楼下的烧烤店每天晚上十点以后还在营业，"
    "油烟很大，噪音扰民，已经一个月了。\n"
    "话务员：王先生，请问您的联系电话？\n"
    "来电人：幺三八 一二三四 五六七八，家里座机0731-84561234。希望尽快处理。"
)


@pytest.fixture(scope="module")
def filler() -> Filler:
    matcher = AddressMatcher(PLACES, UNITS)
    return Filler(matcher, matcher.user_dictionary_words())


def test_transcript_fills_every_field_with_its_span(filler):
    result = filler.fill(TRANSCRIPT, NOW)
    assert (result.caller_name, result.salutation) == ("王建国", "王先生")
    assert [p["number"] for p in result.phones] == ["13812345678", "0731-84561234"]
    assert result.phones[0]["span"]["text"] == "幺三八 一二三四 五六七八"
    assert (result.address.district, result.address.community, result.address.grid) == (
        "A1",
        "A1-01-02",
        "A1-01-02-G01",
    )
    assert result.address.text == "火炬小区3栋2单元502"
    assert {(t["kind"], t["value"]) for t in result.times} == {("recurring", "每天 22:00"), ("duration", "P1M")}
    assert result.object == "烧烤店" and "油烟" in result.problem
    assert 0 < len(result.title) <= 30 and "油烟" in result.title
    assert 0 < len(result.summary) <= 80
    assert result.kind == "complaint" and result.urgency == "normal"
    out = result.to_dict()
    for span in [*out["spans"].values(), *(p["span"] for p in out["phones"]), *(t["span"] for t in out["times"])]:
        assert TRANSCRIPT[span["start"] : span["end"]] == span["text"]


def test_agent_lines_do_not_name_the_caller_or_give_the_address(filler):
    text = "话务员：我是话务员李明，这里是A3区万达广场对面的呼叫中心。\n来电人：我家门口的路灯坏了三天了。"
    result = filler.fill(text, NOW)
    assert result.caller_name == "" and result.address.district == ""


def test_agent_addressing_the_caller_gives_the_salutation(filler):
    result = filler.fill("话务员：赵女士您好，请讲。\n来电人：小区电梯坏了。", NOW)
    assert (result.caller_name, result.salutation) == ("赵女士", "赵女士")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我叫欧阳明月，住在梅溪湖壹号", "欧阳明月"),
        ("举报人：唐明新被举报单位：某公司", "唐明新"),
        ("我是业主，小区停水了", ""),
        ("我叫护士把疫苗盒子给我看", ""),
    ],
)
def test_caller_names(filler, text, name):
    assert filler.fill(text, NOW).caller_name == name


def test_homonym_place_takes_the_district_the_caller_said(filler):
    assert filler.fill("我在A3区万达广场2号门这里", NOW).address.district == "A3"
    assert filler.fill("我在A1区万达广场", NOW).address.district == "A1"


def test_another_countys_district_name_is_not_ours(filler):
    assert filler.fill("M8县A1区学校建设项目评标违纪", NOW).address.district == ""


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("电话幺三八 一二三四 五六七八", ["13812345678"]),
        ("手机13812345678，座机0731-84561234", ["13812345678", "0731-84561234"]),
        ("号码是138-1234-5678", ["13812345678"]),
        ("固话010-62345678", ["010-62345678"]),
        ("我家电话八四五六一二三四", ["84561234"]),
        ("联系电话：0000-00000000二0一五年", ["0000-00000000"]),
        ("一九年交了三千五百块，金额20191203元，打了12345", []),
        ("我住3栋2单元502", []),
    ],
)
def test_phones(text, numbers):
    assert [p.number for p in find_phones(text)] == numbers


# Anonymised messages make every long figure 0000-00000000, and real ones carry IDs and order numbers that look
# like mobiles: what the writer put around the digits says whether they are a phone.
@pytest.mark.parametrize(
    "text",
    [
        "六台车的出厂编号是一样的0000-00000000，应该是一个车一个出厂编号",
        "身份证号码：130102199001011234",  # an ID of a 13… province: no mobile cut from its head
        "身份证号：0000-00000000××××××，住A1区",
        "订单号：13812345678",
        "准考证号为13812345678）",
        "我缴纳契税发票的号码是0000-00000000，章子盖的是",
        "qq：13812345678",
        "快递单号为KA0000-00000000，地址为A市",
        "食品生产许可证QS13812345678",
        "注册商标证书编号：第0000-00000000号",
        "累计成交额13812345678元",
        "总价0000-00000000.2元，实际成交",
        "汪某打了2382693元借条给我",
        "1971.12-1972.1，在粮食局工作",
        "A市号码为2019-6-12办理",
        "途经的公交有19、812、501、213路",
        "主要事实：1:0000-00000000号中国铁建国际城",
        "联系地址：芙蓉小区22-3-1302室",
    ],
)
def test_numbers_the_writer_marks_as_something_else_are_not_phones(text):
    assert find_phones(text) == []


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("淘宝订单号1523456789012345678，联系电话13912345678", ["13912345678"]),
        ("身份证号430102199001011234，手机13812345678", ["13812345678"]),
        ("我的身份证号码已经丢了，13812345678是我电话", ["13812345678"]),
        ("身份证和手机号：13812345678", ["13812345678"]),
        ("QQ和电话都是13812345678", ["13812345678"]),
        ("用户号码：13812345678", ["13812345678"]),
        ("Tel13812345678", ["13812345678"]),
        ("+86 138 1234 5678", ["13812345678"]),
        ("共10000元，电话13812345678", ["13812345678"]),
        ("希望领导重视。0000-00000000，我叫王丰。", ["0000-00000000"]),
        # A signature runs into the next word once whitespace is gone: 日期 and 期待 are not units.
        ("联系电话：0000-00000000日期：2012-10-25", ["0000-00000000"]),
        ("联系电话：0000-00000000期待回复", ["0000-00000000"]),
        ("电话：0731-0000-00000000", ["0731-0000000"]),
        ("电话：139-0000-00000000。", ["13900000000"]),
    ],
)
def test_phones_beside_numbers_that_are_not(text, numbers):
    assert [p.number for p in find_phones(text)] == numbers


def test_a_serial_number_does_not_take_the_phones_place():
    text = "出厂编号0000-00000000，联系电话：0000-00000000"
    [phone] = find_phones(text)
    assert phone.start == text.index("：") + 1


@pytest.mark.parametrize(
    ("text", "kind", "value", "since"),
    [
        ("已经一个月了", "duration", "P1M", "2026-11-02"),
        ("两个多月", "duration", "P2M", "2026-10-02"),
        ("昨晚十点", "point", "2026-12-01T22:00", ""),
        ("上周三下午两点半", "point", "2026-11-25T14:30", ""),
        ("每天早上七点", "recurring", "每天 07:00", ""),
        ("2019年12月3日下午3点", "date", "2019-12-03T15:00", ""),
        ("12月20号", "date", "2025-12-20", ""),
        ("自2019年8月份以来", "since", "2019-08-01", ""),
    ],
)
def test_times(text, kind, value, since):
    (found,) = find_times(text, NOW)
    assert (found.kind, found.value, found.since) == (kind, value, since)


def test_a_bare_count_of_days_is_not_a_duration():
    assert find_times("请在三天内答复", NOW) == []
    assert find_times("有五千年了的历史", NOW) == []


def test_chinese_numbers():
    assert [cn_number(s) for s in ("十", "十二", "二十三", "一百", "两", "二零一九", "7")] == [
        10,
        12,
        23,
        100,
        2,
        2019,
        7,
    ]


@pytest.mark.parametrize("text", ["", "   ", "。。。", "0" * 500, "幺" * 40, "A1区" * 50, "话务员：\n来电人："])
def test_odd_input_never_raises(filler, text):
    result = filler.fill(text, NOW)
    assert len(result.title) <= 30 and len(result.summary) <= 80


def test_a_greeting_is_not_the_title(filler):
    title = filler.fill("来电人：喂，你好。明天图书馆几点开门？", NOW).title
    assert title == "明天图书馆几点开门"


def test_without_a_gazetteer_the_address_stays_empty():
    result = Filler(None).fill(TRANSCRIPT, NOW)
    assert result.address.district == "" and result.caller_name == "王建国"


def test_real_messages_fill_without_error(filler):
    from classifier.model_selection import MESSAGES_CSV

    with MESSAGES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = [r for _, r in zip(range(400), csv.DictReader(fh), strict=False)]
    for r in rows:
        text = f"{r['title']}\n{r['detail']}"
        result = filler.fill(text, NOW)
        assert len(result.title) <= 30 and len(result.summary) <= 80, r["id"]
        for t in result.times:
            assert text[t["span"]["start"] : t["span"]["end"]] == t["span"]["text"]


def test_tonight_and_this_morning():
    assert [t.value for t in find_times("今晚十点又开始了，今早也吵", NOW)] == ["2026-12-02T22:00", "2026-12-02T07:00"]
