"""Build the labelled 智能填单 transcript set (classifier/data/fill_transcripts.jsonl) from real messages.

    python -m classifier.fill_dataset  # rewrites the file; deterministic (seeded)

Each row is a call transcript: an agent's lines and a caller's lines. The caller's problem is a real message
(the first sentences of a ``messages.csv`` detail that names no gazetteer place, no district, no phone and no
caller name), the address is a real gazetteer row said the way callers say it (with or without the district,
the 小区 suffix dropped, an alias, a house number), and the caller's name, phone numbers and times are drawn
here, so every gold value is known by construction and computed here, independently of classifier/fill.py.
Two template families: ``dev`` (looked at while building the filler) and ``heldout`` (different phrasings,
written at the same time, scored once at the end). See classifier/data/FILL_LABELLING.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

from classifier.model_selection import MESSAGES_CSV
from dispatch.gazetteer import DEMO_GAZETTEER, load_gazetteer

OUT = Path(__file__).resolve().parent / "data" / "fill_transcripts.jsonl"
NOW = dt.datetime(2026, 12, 2, 9, 30)
SEED = 16
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃戴莫孔向汤"
)
COMPOUND = ["欧阳", "司马", "诸葛", "上官"]
GIVEN = "建国伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅雪琳晶欣怡佳颖"
SPOKEN = dict(zip("0123456789", "零幺二三四五六七八九", strict=True))
SPOKEN_PLAIN = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
CN_NUM = ["零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
CLOCK_CN = ["零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def _name(rng: random.Random) -> tuple[str, str]:
    surname = rng.choice(COMPOUND) if rng.random() < 0.05 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname, given


def _mobile(rng: random.Random) -> str:
    return (
        rng.choice(["13", "15", "18", "17", "19"])
        + str(rng.randint(0, 9))
        + "".join(str(rng.randint(0, 9)) for _ in range(8))
    )


def _fixed(rng: random.Random) -> tuple[str, str]:
    return rng.choice(["0731", "0730", "0736", "0739", "010", "020"]), str(rng.randint(2, 8)) + "".join(
        str(rng.randint(0, 9)) for _ in range(7)
    )


def _say_mobile(number: str, rng: random.Random, family: str) -> str:
    style = rng.random()
    if family == "dev":
        if style < 0.35:
            return number
        if style < 0.55:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return (
            "".join(SPOKEN[c] for c in number[:3])
            + " "
            + "".join(SPOKEN[c] for c in number[3:7])
            + " "
            + "".join(SPOKEN[c] for c in number[7:])
        )
    if style < 0.3:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style < 0.6:
        return "".join(SPOKEN_PLAIN[c] for c in number)  # 一 instead of 幺, no pauses
    return "".join(SPOKEN[c] for c in number[:7]) + "，" + "".join(SPOKEN[c] for c in number[7:])


def _say_fixed(area: str, local: str, rng: random.Random, family: str) -> str:
    if family == "dev":
        return f"{area}-{local}" if rng.random() < 0.6 else "".join(SPOKEN[c] for c in area + local)
    return f"（{area}）{local}" if rng.random() < 0.5 else f"{area} {local[:4]} {local[4:]}"


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, 28))


def _time_phrase(rng: random.Random, family: str) -> tuple[str, dict]:
    kind = rng.choice(["duration", "point", "recurring"])
    if kind == "duration":
        n = rng.randint(1, 11)
        unit = rng.choice(["个月", "天", "年"])
        lead = rng.choice(["已经", "快", "有"]) if family == "dev" else rng.choice(["整整", "将近", "足足"])
        if unit == "个月":
            since = _months_back(NOW.date(), n)
            value = f"P{n}M"
        elif unit == "年":
            since = _months_back(NOW.date(), 12 * n)
            value = f"P{n}Y"
        else:
            since = NOW.date() - dt.timedelta(days=n)
            value = f"P{n}D"
        return f"{lead}{CN_NUM[n]}{unit}了", {"kind": "duration", "value": value, "since": since.isoformat()}
    if kind == "point":
        day, offset = rng.choice([("昨天", -1), ("前天", -2), ("今天", 0)])
        part, add = rng.choice([("晚上", 12), ("早上", 0), ("下午", 12)])
        hour = rng.randint(6, 11) if part == "晚上" else rng.randint(6, 9) if part == "早上" else rng.randint(2, 5)
        half = family == "heldout" and rng.random() < 0.5
        when = dt.datetime.combine(
            NOW.date() + dt.timedelta(days=offset), dt.time((hour + add) % 24, 30 if half else 0)
        )
        return (
            f"{day}{part}{CLOCK_CN[hour]}点{'半' if half else ''}",
            {"kind": "point", "value": when.isoformat(timespec="minutes"), "since": ""},
        )
    part, add = rng.choice([("早上", 0), ("晚上", 12)])
    hour = rng.randint(5, 8) if part == "早上" else rng.randint(7, 11)
    every = "每天" if family == "dev" else rng.choice(["每天", "天天"])
    label = "每天"
    return (
        f"{every}{part}{CLOCK_CN[hour]}点",
        {"kind": "recurring", "value": f"{label} {(hour + add) % 24:02d}:00", "since": ""},
    )


def _address(entry, rng: random.Random, homonyms: set[str], family: str) -> tuple[str, bool]:
    """Return how the caller says the place, and whether the district is said."""
    name = entry.place
    if entry.aliases and rng.random() < 0.3:
        name = rng.choice(entry.aliases)
    elif name.endswith("小区") and len(name) > 4 and rng.random() < 0.3:
        name = name[:-2]
    with_district = entry.place in homonyms or rng.random() < 0.5
    district_name = {"A7": "A7县", "A8": "A8县", "A9": "A9市"}.get(entry.district, f"{entry.district}区")
    prefix = (rng.choice(["A市", ""]) + district_name) if with_district else ""
    if name.startswith(entry.district):
        prefix = "A市" if with_district else ""  # "A1区苑小区" already says the district
    house = ""
    if rng.random() < 0.7 and not name.endswith(("路", "大道", "街")):
        house = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}"
    elif rng.random() < 0.5:
        house = f"{rng.randint(1, 400)}号"
    return f"{prefix}{name}{house}", with_district


DEV_NAME = [
    ("我姓{s}，叫{s}{g}。", "full"),
    ("我叫{s}{g}。", "full"),
    ("我是{s}{h}。", "salute"),
    ("免贵姓{s}。", "surname"),
]
HELDOUT_NAME = [
    ("本人{s}{g}，", "full"),
    ("你叫我{s}{h}就行。", "salute"),
    ("我的名字叫{s}{g}。", "full"),
    ("联系人：{s}{g}。", "full"),
]


def _bodies(rng: random.Random, gazetteer) -> list[str]:
    """Return real problem statements that name no gazetteer place, district, phone or caller name."""
    names = {e.place for e in gazetteer} | {a for e in gazetteer for a in e.aliases}
    names |= {e.place[:-2] for e in gazetteer if e.place.endswith("小区") and len(e.place) > 4}
    bad = re.compile(r"[A-Z]\d{1,2}[区县市]|[0-9０-９]{5,}|我叫|我姓|本人|先生|女士|电话|手机|[A-Z]市(?!场)")
    out = []
    with MESSAGES_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["text_fidelity"] == "title_only":
                continue
            text = re.sub(r"\s+", "", row["detail"])
            text = re.sub(
                r"^(?:尊敬的[^：:，,！!]{0,12}[：:，,！!]*)?(?:[^，。！]{0,6}(?:您好|你好)[！!，,：:。]*)?", "", text
            )
            sentences = re.findall(r"[^。！？!?]+[。！？!?]", text)[:2]
            body = "".join(sentences)
            if 20 <= len(body) <= 140 and not bad.search(body) and not any(n in body for n in names):
                out.append(body)
    rng.shuffle(out)
    return out


def build(n_per_family: int = 150) -> list[dict]:
    """Return the labelled transcripts (dev rows first, then held-out)."""
    rng = random.Random(SEED)
    gazetteer = load_gazetteer(DEMO_GAZETTEER)
    counts: dict[str, int] = {}
    for e in gazetteer:
        counts[e.place] = counts.get(e.place, 0) + 1
    homonyms = {p for p, c in counts.items() if c > 1}
    bodies = _bodies(rng, gazetteer)
    rows = []
    for family in ("dev", "heldout"):
        name_templates = DEV_NAME if family == "dev" else HELDOUT_NAME
        for i in range(n_per_family):
            body = bodies.pop()
            entry = rng.choice(gazetteer)
            surname, given = _name(rng)
            honor = rng.choice(["先生", "女士"])
            template, form = rng.choice(name_templates)
            if rng.random() < 0.1:
                form, name_line = "none", ""  # the caller gives no name
            else:
                name_line = template.format(s=surname, g=given, h=honor)
            gold_name = {"full": surname + given, "salute": surname + honor, "surname": surname, "none": ""}[form]
            said_address, _ = _address(entry, rng, homonyms, family)
            phones, phone_lines = [], []
            r = rng.random()
            if r < 0.85:
                number = _mobile(rng)
                phones.append(number)
                phone_lines.append(_say_mobile(number, rng, family))
            if r > 0.6:
                area, local = _fixed(rng)
                phones.append(f"{area}-{local}")
                phone_lines.append(_say_fixed(area, local, rng, family))
            time_text, time_gold = _time_phrase(rng, family)
            lines = ["话务员：您好，12345政务服务便民热线，请问有什么可以帮您？"]
            live = rng.choice(
                ["我住在", "我家在", "地址是", "我是"] if family == "dev" else ["家住", "我们小区是", "位置在"]
            )
            if live == "我是":
                live = "我是住"
            caller_open = f"来电人：{name_line}{live}{said_address}，{body}"
            if family == "heldout":
                caller_open = f"来电人：喂，你好。{body}{live}{said_address}。{name_line}"
            lines.append(caller_open)
            lines.append("话务员：请问这个情况持续多久了？")
            lines.append(f"来电人：{time_text}，一直没人管，希望尽快处理。")
            if phone_lines:
                lines.append("话务员：好的，请留一个联系电话。" if family == "dev" else "话务员：方便留个电话吗？")
                lines.append(
                    "来电人：" + ("，".join(phone_lines) if family == "dev" else "号码是" + "，还有".join(phone_lines))
                )
            if form == "salute" and family == "dev":
                lines.append(f"话务员：好的{surname}{honor}，我们会尽快转交相关部门处理。")
            else:
                lines.append("话务员：好的，我们会尽快转交相关部门处理。")
            salutation = surname + honor if form == "salute" else ""
            rows.append(
                {
                    "id": f"{family}-{i:03d}",
                    "family": family,
                    "text": "\n".join(lines),
                    "gold": {
                        "caller_name": gold_name,
                        "salutation": salutation,
                        "phones": phones,
                        "district": entry.district,
                        "street": entry.street,
                        "community": entry.community,
                        "place": entry.place,
                        "grid": entry.grid_code,
                        "times": [time_gold],
                    },
                }
            )
    return rows


def main() -> None:
    """Write the transcript set."""
    rows = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
