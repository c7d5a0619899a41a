"""Times a caller mentions (已经一个月, 昨晚十点, 每天早上七点, 2019年12月3日) resolved against a given 'now'."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_DURATION_DAYS = 365 * 80
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"[0-9０-９]+|[零〇一二两三四五六七八九十百]+|半"
_UNITS = {
    "年": "Y",
    "月": "M",
    "个月": "M",
    "星期": "W",
    "周": "W",
    "天": "D",
    "日": "D",
    "小时": "H",
    "钟头": "H",
    "分钟": "MIN",
}
_DAY_WORDS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "昨晚": -1,
    "昨夜": -1,
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "今晚": 0,
    "今夜": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
}
_DAY_PARTS = {
    "凌晨": 3,
    "早上": 7,
    "早晨": 7,
    "清早": 6,
    "上午": 9,
    "中午": 12,
    "下午": 15,
    "傍晚": 18,
    "晚上": 20,
    "夜里": 23,
    "半夜": 0,
    "深夜": 23,
    "晚": 20,
    "夜": 23,
    "早": 7,
}
_DAY_WORD_PARTS = {"昨晚": "晚", "今晚": "晚", "昨夜": "夜", "今夜": "夜", "今早": "早"}
_PM_PARTS = {"下午", "傍晚", "晚上", "夜里", "深夜", "晚", "夜", "昨晚", "今晚", "昨夜", "今夜"}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_CLOCK = rf"(?P<hour>{_NUM})(?:点|时|:|：)(?:(?P<half>半)|(?P<quarter>一刻)|(?P<minute>[0-9０-９]+|[零〇一二三四五六七八九十]+)分?)?(?:多|左右)?"
_PART = "|".join(sorted(_DAY_PARTS, key=len, reverse=True))
_DAY = "|".join(sorted(_DAY_WORDS, key=len, reverse=True))
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "since",
        re.compile(rf"(?:自|从|自从)(?P<y>[0-9]{{4}}|{_NUM})年(?:(?P<m>{_NUM})月份?)?(?:以来|起|开始|至今|到现在)"),
    ),
    (
        "date",
        re.compile(
            rf"(?:(?P<y>[0-9]{{4}})(?:年|[-/.]))?(?P<m>{_NUM})(?:月|[-/.])(?P<d>{_NUM})(?:日|号)?(?![0-9])"
            rf"(?:(?P<part>{_PART})?(?:{_CLOCK})?)"
        ),
    ),
    (
        "recurring",
        re.compile(
            rf"(?P<every>每天|每晚|每日|天天|每个?星期(?P<wd>[一二三四五六日天])?|每周(?P<wd2>[一二三四五六日天])?|每个?月|每逢周末|每到)"
            rf"(?P<part>{_PART})?(?:{_CLOCK})?"
        ),
    ),
    ("point", re.compile(rf"(?P<day>{_DAY})(?P<part>{_PART})?(?:{_CLOCK})?")),
    (
        "point",
        re.compile(
            rf"(?P<wk>上|这|本|上个|这个)(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])(?P<part>{_PART})?(?:{_CLOCK})?"
        ),
    ),
    (
        "duration",
        re.compile(
            rf"(?P<lead>已经|已|快|近|将近|长达|足足|整整|有)?(?P<n>{_NUM})(?P<ge>个)?(?P<more>多)?(?P<unit>月|年|星期|周|天|小时|钟头|分钟)"
            rf"(?P<more2>多)?(?P<tail>了|之久|以来|时间|左右)?"
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class TimeMention:
    """One time expression: where it is, what kind, and its resolved value (ISO 8601)."""

    text: str
    start: int
    end: int
    kind: str  # "point" (a moment), "date", "recurring", "duration" (how long), "since" (a start)
    value: str  # ISO datetime/date, ISO duration (P1M), or "每天 07:00"
    since: str = ""  # for a duration: now minus it (ISO date)


def cn_number(text: str) -> int | None:
    """Return the value of 0-9999 in Arabic or Chinese numerals (十二, 二十三, 一百), or None."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c not in "十百千" for c in text):
        return None
    if all(c in _CN_DIGITS for c in text):  # 二零一九 read digit by digit
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c in _CN_DIGITS:
            current = _CN_DIGITS[c]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[c]
            total += (current or 1) * unit
            current = 0
    return total + current


def _clock(m: re.Match[str], part: str | None) -> tuple[int, int] | None:
    """Return (hour, minute) of a matched clock, 24-hour, using the day part (晚上十点 → 22:00)."""
    if m.group("hour") is None:
        if part:
            return _DAY_PARTS[part], 0
        return None
    hour = cn_number(m.group("hour"))
    if hour is None or hour > 24:
        return None
    minute = 30 if m.group("half") else 15 if m.group("quarter") else cn_number(m.group("minute") or "0") or 0
    if part in _PM_PARTS and hour < 12 and not (part in ("夜里", "深夜", "夜") and hour <= 4):
        hour += 12
    if part == "中午" and hour < 6:
        hour += 12
    return hour % 24, min(minute, 59)


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, 28))


def _resolve(kind: str, m: re.Match[str], now: dt.datetime) -> tuple[str, str] | None:
    """Return (value, since) of one match, or None when it is not a time after all."""
    groups = m.groupdict()
    part = groups.get("part")
    if kind == "duration":
        n = 0.5 if m.group("n") == "半" else cn_number(m.group("n"))
        if not n or (not (m.group("lead") or m.group("tail") or m.group("more") or m.group("more2"))):
            return None  # "三天" alone is often a plan ("三天内"), not how long it has lasted
        if m.group("unit") == "月" and not m.group("ge"):
            return None  # "12月" is a month of the year; a duration says "个月"
        unit = _UNITS[m.group("unit")]
        days = {"Y": 365 * n, "M": 30 * n, "W": 7 * n, "D": n, "H": n / 24, "MIN": n / 1440}[unit]
        if days > MAX_DURATION_DAYS:
            return None  # "五千年" is history, not how long a problem has lasted
        if unit in ("Y", "M") and float(n).is_integer():
            since = _months_back(now.date(), int(n) * (12 if unit == "Y" else 1))
        else:
            since = (now - dt.timedelta(days=days)).date()
        number = int(n) if float(n).is_integer() else n
        iso = f"PT{number}{unit[0]}" if unit in ("H", "MIN") else f"P{number}{unit}"
        return iso, since.isoformat()
    if kind == "since":
        year = cn_number(m.group("y"))
        if year is None or not 1950 <= year <= now.year:
            return None
        month = cn_number(m.group("m")) if m.group("m") else 1
        return (dt.date(year, month or 1, 1).isoformat(), "") if month and 1 <= month <= 12 else None
    if kind == "date":
        month, day = cn_number(m.group("m")), cn_number(m.group("d"))
        year = cn_number(m.group("y")) if m.group("y") else now.year
        if not (month and day and year and 1 <= month <= 12 and 1 <= day <= 31):
            return None
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return None
        if not m.group("y") and date > now.date():
            date = date.replace(year=year - 1)  # "12月3号" said in January is last December
        clock = _clock(m, part)
        if clock is None:
            return date.isoformat(), ""
        return dt.datetime.combine(date, dt.time(*clock)).isoformat(timespec="minutes"), ""
    if kind == "recurring":
        clock = _clock(m, part)
        every = m.group("every")
        wd = groups.get("wd") or groups.get("wd2")
        label = f"每周{wd}" if wd else ("每月" if "月" in every else "每周末" if "周末" in every else "每天")
        return (f"{label} {clock[0]:02d}:{clock[1]:02d}" if clock else label), ""
    # point: 昨晚十点, 上周三下午
    if groups.get("day"):
        word = m.group("day")
        date = now.date() + dt.timedelta(days=_DAY_WORDS[word])
        part = part or _DAY_WORD_PARTS.get(word)
    else:
        target = _WEEKDAYS[m.group("wd")]
        monday = now.date() - dt.timedelta(days=now.weekday())
        if m.group("wk").startswith("上"):
            monday -= dt.timedelta(days=7)
        date = monday + dt.timedelta(days=target)
    clock = _clock(m, part)
    if clock is None:
        return date.isoformat(), ""
    return dt.datetime.combine(date, dt.time(*clock)).isoformat(timespec="minutes"), ""


def find_times(text: str, now: dt.datetime) -> list[TimeMention]:
    """Return the time expressions of ``text`` in order, none overlapping, resolved against ``now``."""
    found: list[TimeMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if end - start < 2 or any(start < e and s < end for s, e in taken):
                continue
            resolved = _resolve(kind, m, now)
            if resolved is None:
                continue
            value, since = resolved
            found.append(TimeMention(m.group(0), start, end, kind, value, since))
            taken.append((start, end))
    return sorted(found, key=lambda t: t.start)
