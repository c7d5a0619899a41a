"""110 linkage (110/119/120 联动): flag messages describing an emergency happening now.

A keyword flags its clause (the text between 。！？；，, and line breaks) unless that clause, before the
keyword, carries a negation (没有, 不是, 并未…) or a past/consultation marker (去年, 以前, 曾经, 咨询, 请问…)
and no present marker (正在, 现在, 刚刚, 快来, 救命…). Keywords for acts that are usually reported after the
fact (盗窃, 偷) flag only with a present marker. This is deliberately simple — a false alarm costs an
agent's glance, a missed fight costs far more — so ambiguous wording flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Linkage:
    """Where to hand the ticket over to and why."""

    target: str  # "110", "119" or "120"
    reason: str
    matched: str  # the keyword found


@dataclass(frozen=True, slots=True)
class _Pattern:
    target: str
    keywords: tuple[str, ...]
    reason: str
    needs_present: bool = False


# Order matters: fire (119) and medical (120) outrank police when a clause mentions both.
PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        "119",
        ("火灾", "着火", "起火", "失火", "火势", "燃气泄漏", "煤气泄漏", "天然气泄漏", "爆炸", "困在电梯", "电梯困人"),
        "火情、燃气泄漏或被困，转119消防救援",
    ),
    _Pattern(
        "120",
        ("晕倒", "昏倒", "昏迷", "不省人事", "没有呼吸", "心脏骤停", "大出血", "抽搐"),
        "有人急症或受伤，转120急救",
    ),
    # 中毒 in messages is mostly chronic pollution talk; only a present marker makes it an emergency.
    _Pattern("120", ("中毒",), "有人急性中毒，转120急救", needs_present=True),
    _Pattern(
        "110",
        (
            "打架",
            "斗殴",
            "持刀",
            "砍人",
            "行凶",
            "抢劫",
            "抢夺",
            "家暴",
            "家庭暴力",
            "绑架",
            "劫持",
            "杀人",
            "有人跳楼",
            "要跳楼",
            "跳河",
            "轻生",
        ),
        "正在发生的治安警情或人身危险，转110",
    ),
    _Pattern("110", ("盗窃", "偷东西", "小偷", "撬门", "撬锁"), "正在发生的盗窃，转110", needs_present=True),
)

_CLAUSE_SPLIT = re.compile(r"[。！？；!?;，,\n\r]+")
_NEGATION = re.compile(r"没有|没|不是|并非|并未|未曾|不存在|无人")
_PAST_OR_CONSULT = re.compile(
    r"去年|前年|上个月|上月|上周|以前|之前|曾经|当年|多年前|年前|月前|已经处理|已处理|咨询|请问|想问|了解一下|怎么处理|如何处理|的事情|的问题"
    # Hypotheticals and risk talk ("一旦发生火灾", "火灾隐患") describe no emergency now.
    r"|一旦|如果|万一|假如|若是|防止|预防|防范|隐患|可能|容易|担心|害怕|避免|难以|后果|怎么办|救援|通道|消防"
    # Reports of what happened or keeps happening, causes and comparisons: not a live emergency.
    r"|发生了|已经发生|上次|曾|[0-9]{4}年|经常|时有|甚至|引起|引发|导致|造成|会|像|一样|不见血|恨不得|什么区别"
)
_PRESENT = re.compile(r"正在|现在|刚刚|刚才|马上|赶紧|快来|救命|此刻|目前|还在|一直在|快点")


def _clause_flags(clause: str, keyword: str, needs_present: bool) -> bool:
    before = clause[: clause.index(keyword)]
    present = bool(_PRESENT.search(clause))
    if needs_present:
        return present and not _NEGATION.search(before)
    if _NEGATION.search(before[-4:]):
        return False  # "没有打架": the negation sits right before the act
    return present or not _PAST_OR_CONSULT.search(clause)


def detect_linkage(text: str) -> Linkage | None:
    """Return the emergency service the text should be handed to, or None."""
    clauses = [c for c in _CLAUSE_SPLIT.split(text or "") if c]
    for pattern in PATTERNS:
        for clause in clauses:
            for kw in pattern.keywords:
                if kw in clause and _clause_flags(clause, kw, pattern.needs_present):
                    return Linkage(pattern.target, f"{pattern.reason}（“{clause.strip()[:40]}”）", kw)
    return None
