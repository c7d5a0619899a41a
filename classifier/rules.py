"""Explained keyword rules for 诉求类型 (kind) and urgency, plus their evaluation on a labelled sample."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from classifier.tokenize import normalize_text

KINDS = ("consult", "help", "complaint", "report", "suggestion", "praise")
URGENT, NORMAL = "urgent", "normal"
SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "kind_urgency_sample.csv"
# The title (or a message's opening) states the purpose; the body mostly narrates, so the head is tried first.
HEAD_CHARS = 40


@dataclass(frozen=True)
class Rule:
    """One ordered row of a rule table: a label, a pattern and the reason shown to the agent."""

    label: str
    pattern: re.Pattern[str]
    reason: str


def _rule(label: str, pattern: str, reason: str) -> Rule:
    """Compile one rule row."""
    return Rule(label, re.compile(pattern), reason)


# Order is priority: the first rule that matches wins. Praise and report come first because their words
# are specific; consult words (吗, 是否) are so common inside complaints that they come late.
KIND_RULES: tuple[Rule, ...] = (
    _rule("praise", r"感谢信|表扬|点赞|致谢|赞扬|锦旗|^感谢|^赞", "含“感谢/表扬”等致谢用语"),
    _rule(
        "report",
        r"举报|检举|揭发|揭露|控告|传销|诈骗|行骗|贪污|受贿|行贿|私吞|挪用|围标|串标|黑幕|内幕"
        r"|违法|非法|偷排|违建|违章建筑|违章搭建|私搭乱建|无证|私屠滥宰|以权谋私|骗取",
        "含“举报/违法/违建/传销/诈骗”等揭发违法违规行为的用语",
    ),
    _rule("complaint", r"投诉", "明确使用“投诉”"),
    _rule(
        "help",
        r"求助|救救|帮帮|帮忙|求救|走投无路|无家可归|请求解决|恳请解决|求公平",
        "含“求助/帮忙/请求解决”等求助用语",
    ),
    _rule(
        "suggestion",
        r"建议|倡议|提议|建言|献策|应该|应当|希望.{0,12}(增设|增加|开通|设立|安装|延伸|规划|出台)"
        r"|恳请.{0,12}(增设|增加|开通|设立|延伸|修建)|能否.{0,8}(增加|增设|开通|延长)",
        "含“建议/应该/希望增设”等建议用语",
    ),
    _rule(
        "consult",
        r"请问|咨询|询问|如何办理|怎么办理|怎样办理|怎么办|能否|可否|可不可以|能不能|是否|多少|哪里|哪个部门"
        r"|何时|什么时候|吗[？?]|么[？?]",
        "含“请问/咨询/能否/何时”等咨询用语",
    ),
    _rule(
        "complaint",
        r"不满|要求处理|扰民|噪音|噪声|油烟|臭|污染|乱收费|收费|不作为|推诿|拖欠|拖延|一拖再拖|质量|不退|拒绝|拒不"
        r"|态度差|为何|为什么|何时休|严重影响|不给|不办",
        "含“扰民/乱收费/不作为/质量问题”等不满用语",
    ),
)
KIND_FALLBACK = ("complaint", "未命中明确关键词，按最常见的诉求类型“投诉”处理，请人工确认")

# Habitual outages ("经常停水") are service-quality complaints, not emergencies, hence the look-behind.
URGENCY_RULES: tuple[Rule, ...] = (
    _rule(URGENT, r"燃气泄漏|煤气泄漏|天然气泄漏|漏气|煤气味|燃气味|天然气味", "疑似燃气泄漏"),
    _rule(URGENT, r"着火|起火|火灾|火情|失火|爆炸", "火情或爆炸"),
    _rule(URGENT, r"电梯困人|困在电梯|被困电梯|电梯.{0,10}(下坠|往下掉|坠落|溜梯)", "电梯困人或坠梯"),
    _rule(URGENT, r"坍塌|倒塌|垮塌|塌方|塌陷|倾斜|随时.{0,6}(倒|垮|塌)", "建筑或地面坍塌风险"),
    _rule(URGENT, r"打架|斗殴|殴打|持刀|砍人|行凶|流血|寻衅滋事|人身安全|生命安全|生命危险", "人身安全受威胁"),
    _rule(URGENT, r"群体性|聚集|围堵|堵路|集体上访", "群体性事件或聚集"),
    _rule(
        URGENT,
        r"(?<!经常)(?<!常常)(?<!时常)(?<!老是)(?<!总是)(?<!频繁)(停水|停电|停气|断水|断电|断气)",
        "停水停电停气，影响基本生活",
    ),
    _rule(URGENT, r"溺水|触电|中毒|被困|紧急求助", "人员被困、中毒或触电等紧急情况"),
)
URGENCY_FALLBACK = (NORMAL, "未命中紧急情形关键词")


@dataclass(frozen=True)
class RuleResult:
    """A label and the human-readable reason that produced it."""

    label: str
    reason: str


def _split_head(text: str) -> tuple[str, str]:
    """Return (head, whole) of a text: its first line (the title) or its first HEAD_CHARS characters."""
    raw = (text or "").strip()
    first_line = raw.split("\n", 1)[0]
    head = normalize_text(first_line)[:HEAD_CHARS] if "\n" in raw else normalize_text(raw)[:HEAD_CHARS]
    return head, normalize_text(raw)


def _first_match(rules: tuple[Rule, ...], text: str) -> Rule | None:
    """Return the first rule whose pattern occurs in the text."""
    for rule in rules:
        if rule.pattern.search(text):
            return rule
    return None


def classify_kind(text: str) -> RuleResult:
    """Return the 诉求类型 with its reason, trying the title before the whole text."""
    head, whole = _split_head(text)
    for where, part in (("标题", head), ("正文", whole)):
        rule = _first_match(KIND_RULES, part)
        if rule is not None:
            match = rule.pattern.search(part)
            word = match.group(0) if match else ""
            return RuleResult(rule.label, f"{where}{rule.reason}（命中“{word}”）")
    return RuleResult(*KIND_FALLBACK)


def classify_urgency(text: str) -> RuleResult:
    """Return urgent/normal with its reason from the emergency patterns."""
    _, whole = _split_head(text)
    for rule in URGENCY_RULES:
        match = rule.pattern.search(whole)
        if match:
            return RuleResult(rule.label, f"{rule.reason}（命中“{match.group(0)}”）")
    return RuleResult(*URGENCY_FALLBACK)


def _read_messages(messages_csv: Path) -> dict[str, str]:
    """Map message id to "title\\ndetail" from messages.csv."""
    with messages_csv.open(encoding="utf-8-sig", newline="") as fh:
        return {row["id"]: f"{row['title']}\n{row['detail']}" for row in csv.DictReader(fh)}


def _scores(gold_kind: list[str], pred_kind: list[str], gold_urg: list[str], pred_urg: list[str]) -> dict[str, Any]:
    """Compute kind accuracy/macro-F1 and urgent precision/recall."""
    present = sorted(set(gold_kind))
    return {
        "n": len(gold_kind),
        "kind_accuracy": round(float(accuracy_score(gold_kind, pred_kind)), 4),
        "kind_macro_f1": round(
            float(f1_score(gold_kind, pred_kind, labels=present, average="macro", zero_division=0)), 4
        ),
        "urgent_support": gold_urg.count(URGENT),
        "urgent_predicted": pred_urg.count(URGENT),
        "urgent_precision": round(float(precision_score(gold_urg, pred_urg, pos_label=URGENT, zero_division=0)), 4),
        "urgent_recall": round(float(recall_score(gold_urg, pred_urg, pos_label=URGENT, zero_division=0)), 4),
    }


def evaluate_rules(messages_csv: str | Path, sample_csv: str | Path = SAMPLE_PATH) -> dict[str, Any]:
    """Score the rules against the hand-labelled sample, overall and per sampling stratum."""
    texts = _read_messages(Path(messages_csv))
    with Path(sample_csv).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_stratum: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in rows:
        text = texts[row["id"]]
        entry = (row["kind"], classify_kind(text).label, row["urgency"], classify_urgency(text).label)
        by_stratum.setdefault(row.get("stratum") or "all", []).append(entry)
    result: dict[str, Any] = {}
    groups = {"overall": [e for entries in by_stratum.values() for e in entries], **by_stratum}
    for name, entries in groups.items():
        gk, pk, gu, pu = (list(col) for col in zip(*entries, strict=True))
        result[name] = _scores(gk, pk, gu, pu)
    return result
