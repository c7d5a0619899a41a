"""Phone numbers in what a caller says or an agent types: mobile, fixed with area code, spoken digits (幺三八…)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spoken and written digit characters; 幺 is how 1 is read out in phone numbers.
_DIGITS = {
    **{str(i): str(i) for i in range(10)},
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "零": "0",
    "〇": "0",
    "洞": "0",
    "幺": "1",
    "一": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "拐": "7",
    "八": "8",
    "九": "9",
    "勾": "9",
    "*": "*",
    "＊": "*",
    "x": "*",
    "X": "*",
}
_SEPARATORS = set(" -—－–·.杠\u3000（）()") | {"\t"}
# A pause between groups of one number when the number is not complete yet; a break between two numbers after.
_SOFT_SEPARATORS = set("，,、")
_CN_ONLY = set("零〇洞幺一二两三四五六七拐八九勾")
_DATE_LIKE = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_MOBILE = re.compile(r"^(?:86)?(1[3-9][\d*]{9})$")
# Area codes: 010 and 020-029 have three digits, every other (03xx-09xx) four.
_FIXED = re.compile(r"^(010|02\d|0[3-9]\d{2})([\d*]{7,8})$")
_LOCAL = re.compile(r"^([2-9*][\d*]{6,7})$")
_SERVICE = re.compile(r"^(?:110|119|120|122|12345|12315|12369|95598|96\d{3})$")
_CONTEXT = re.compile(r"电话|手机|号码|联系|打|拨|热线|座机|致电|来电|微信")
# What a writer calls a number when it is not a phone: an identifier, a certificate or an account number.
# "X号码" counts when X is what such a number is printed on (身份证号码, 发票号码, 车牌号码; not 手机号码).
_ID_LABEL = (
    r"编号|编码|代码|单号|证号|卡号|账号|帐号|工号|学号|票号|案号|文号|批号|型号|户号(?!码)|房号|车号|表号|货号|"
    r"序列号|专利号|登记号|备案号?|注册号|流水号|身份证|证件|车牌|订单|运单|邮编|验证码|密码|字第|"
    r"QQ|[Qq]q|扣扣|[证票卡单牌表]的?号码"
)
_LABELS = re.compile(rf"(?P<id>{_ID_LABEL})|(?P<phone>{_CONTEXT.pattern}|[Tt]el|TEL)")
# A label names the number after it only within its own clause.
_CLAUSE_BREAK = re.compile(r"[，,、。；;！!？?\n]")
# A Latin word glued to the front makes the digits part of a code (QS…, KA…, fzy…), unless it names a phone.
_LATIN_TAIL = re.compile(r"[A-Za-z]+$")
_PHONE_WORDS = {"tel", "telephone", "phone", "mobile", "mob", "cell", "cellphone", "ph", "call", "fax"}
# What follows an amount, an ordinal, a count or a size, never a phone; or the masked tail of an ID. Only units
# no word starts with: a signature runs its phone into the next word once whitespace is gone (…5678日期：…).
_UNIT_AFTER = re.compile(
    r"(?:[.．]\d+)?(?:元(?![旦月])|亿|万元|块钱|%|％|倍|岁|斤|公斤|吨|亩|平方|平米)|号(?!码)|期(?![间待望盼限满])|届(?!时)|[×✕]"
)


@dataclass(frozen=True, slots=True)
class PhoneMention:
    """One phone number: where it was said, and the number in digits (mobile, or area code-number)."""

    text: str
    start: int
    end: int
    number: str
    kind: str  # "mobile", "fixed" (with area code), "local" (no area code)


def _is_complete(digits: list[str]) -> bool:
    """Return whether the digits so far already make a whole mobile or area-coded fixed number."""
    joined = "".join(digits)
    return bool(_MOBILE.match(joined) or (_FIXED.match(joined) and len(joined) >= 11))


def _runs(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, digits) of each run of digit characters, separators allowed between digits.

    A run keeps to one script (Arabic or spoken Chinese digits): "0000-00000000二0一五年" is a number then a year.
    """
    runs: list[tuple[int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] not in _DIGITS or text[i] in "xX*＊":
            i += 1
            continue
        start, digits, j, last = i, [], i, i
        chinese = text[i] in _CN_ONLY
        while j < n:
            c = text[j]
            if c in _DIGITS and (c in "*＊xX" or (c in _CN_ONLY) == chinese):
                digits.append(_DIGITS[c])
                last = j
                j += 1
            elif (
                (c in _SEPARATORS or (c in _SOFT_SEPARATORS and not _is_complete(digits)))
                and digits
                and (j + 1 < n and text[j + 1] in _DIGITS and (text[j + 1] in _CN_ONLY) == chinese)
            ):
                j += 1
            else:
                break
        runs.append((start, last + 1, "".join(digits)))
        i = last + 1
    return runs


def _classify(digits: str) -> tuple[str, str] | None:
    """Return (number, kind) when the digits form a phone number."""
    if m := _MOBILE.match(digits):
        return m.group(1), "mobile"
    if m := _FIXED.match(digits):
        return f"{m.group(1)}-{m.group(2)}", "fixed"
    if digits.startswith("0000") and 11 <= len(digits) <= 12 and set(digits) == {"0"}:
        return f"{digits[:4]}-{digits[4:]}", "fixed"  # the data set's anonymised numbers (0000-00000000)
    if m := _LOCAL.match(digits):
        if _DATE_LIKE.match(digits):
            return None
        return m.group(1), "local"
    return None


def find_phones(text: str) -> list[PhoneMention]:
    """Return the phone numbers of ``text`` in order (each number once)."""
    found: list[PhoneMention] = []
    seen: set[str] = set()
    for start, end, digits in _runs(text):
        span = text[start:end]
        if "*" in digits and digits.count("*") > 6:
            continue
        result = _classify(digits)
        if result is None and digits.startswith("0" * 12):
            result = ("0000-00000000", "fixed")  # an anonymised number run into the digits after it
            end = start + _span_len(text, start, 12)
            span = text[start:end]
        if result is None and len(digits) > 12:
            # Two numbers said without a break ("13812345678 0731 84561234"): try a number at the front.
            cut = start + _span_len(text, start, 11)
            result = _classify(digits[:11])
            if result is not None and result[1] == "mobile" and text[cut] in _DIGITS and set(digits[3:]) != {"0"}:
                # Eleven digits cut from one long figure starting 13-19 are the head of an ID number (13…, 14…,
                # 15… provinces) or an order number, not a mobile; 139-0000-00000000 is the anonymiser's.
                result = None
            if result is not None:
                end = cut
                span = text[start:end]
        if result is None:
            continue
        number, kind = result
        if _not_a_phone(text, start, end, span):
            continue
        spoken = any(c in _CN_ONLY for c in span)
        if kind == "local" and not (_CONTEXT.search(text[max(0, start - 12) : start]) or spoken):
            continue  # a bare 7-8 digit figure is an amount or an id more often than a phone
        if spoken and sum(c in _CN_ONLY for c in span) < len(digits) // 2 and kind == "local":
            continue
        if number in seen or _SERVICE.match(digits):
            continue
        seen.add(number)
        found.append(PhoneMention(span, start, end, number, kind))
    return found


def _span_len(text: str, start: int, digits: int) -> int:
    """Return how many characters from ``start`` hold the first ``digits`` digit characters."""
    count, i = 0, start
    while i < len(text) and count < digits:
        if text[i] in _DIGITS:
            count += 1
        i += 1
    return i - start


def _not_a_phone(text: str, start: int, end: int, span: str) -> bool:
    """Return whether the digits at ``start:end`` are, by what the writer put around them, something else.

    Anonymised messages turn every long figure into 0000-00000000, so the form alone does not tell: the
    label before it (出厂编号是…, 身份证号码, 订单号), a code glued to it (QS…, 第…号), a unit after it (…元, …号)
    or groups no phone is written in (1971.12-1972.1, 19、812、501) do.
    """
    clause = _CLAUSE_BREAK.split(text[max(0, start - 16) : start])[-1]
    labels = list(_LABELS.finditer(clause))
    if labels and labels[-1].group("id"):
        return True
    if start and text[start - 1] == "第":
        return True
    if (latin := _LATIN_TAIL.search(text, max(0, start - 12), start)) and latin.group().lower() not in _PHONE_WORDS:
        return True
    if _UNIT_AFTER.match(text, end):
        return True
    if any(c in _CN_ONLY for c in span):
        return False  # spoken digits come in groups of any size ("八四五六 一二 三四")
    groups = re.findall(r"[\d０-９*＊xX]+", span)
    if groups and groups[0] in ("86", "0086"):
        groups = groups[1:]
    return any(len(g) <= 2 for g in groups)
