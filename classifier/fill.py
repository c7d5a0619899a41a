"""智能填单: fill the intake form from an agent's free text or a call transcript, each field with its source span.

Pure functions over text and data: the gazetteer arrives as an ``AddressResolver`` (dispatch's AddressMatcher
satisfies it) plus its place names for jieba's user dictionary; nothing here imports Flask or the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import jieba

from classifier import rules as kind_rules
from classifier.phones import PhoneMention, find_phones
from classifier.summary import summarize
from classifier.times import TimeMention, find_times
from classifier.tokenize import get_tokenizer, stop_words

RULES_PATH = Path(__file__).resolve().parent / "data" / "fill_rules.json"
TITLE_MAX = 30
_SPEAKER = re.compile(r"^\s*(?:话务员|坐席|客服|接线员|来电人|市民|来电|用户|群众|A|B|甲|乙)\s*[:：]\s*", re.M)
_AGENT_LINE = re.compile(r"^\s*(?:话务员|坐席|客服|接线员)\s*[:：]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
# A district name inside another city's or county's place ("M8县A1区学校", "D12市柏坊镇桐梓村A1区小学") is a
# name of that place, not one of this city's districts.
_FOREIGN_DISTRICT = re.compile(r"(?<![A-Z])[B-Z]\d{0,2}(?:市|县|州)[\u4e00-\u9fa5]{0,10}?(?P<d>A\d{1,2}(?:区|县|市))")


class AreaLike(Protocol):
    """What an address resolver returns (dispatch.gazetteer.AreaMatch has these fields)."""

    district: str
    street: str
    community: str
    grid_code: str
    place: str
    score: float
    matched_text: str


class AddressResolver(Protocol):
    """Resolve a text to the district/street/community/grid it names."""

    def match(self, text: str, district: str = "", fuzzy: bool | None = None) -> AreaLike | None: ...


class Gazetteer(AddressResolver, Protocol):
    """A resolver that also lists its place names (for jieba's user dictionary)."""

    def user_dictionary_words(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Span:
    """Where a value came from: character offsets into the submitted text, and the text itself."""

    start: int
    end: int
    text: str


@dataclass
class FilledAddress:
    """The address said, and the gazetteer codes it resolved to (empty when unknown)."""

    text: str = ""
    district: str = ""
    street: str = ""
    community: str = ""
    grid: str = ""
    place: str = ""
    score: float = 0.0
    span: Span | None = None


@dataclass
class FillResult:
    """The form as 智能填单 proposes it; ``spans`` maps a field name to its source span."""

    caller_name: str = ""
    salutation: str = ""
    phones: list[dict[str, Any]] = field(default_factory=list)
    address: FilledAddress = field(default_factory=FilledAddress)
    times: list[dict[str, Any]] = field(default_factory=list)
    object: str = ""
    problem: str = ""
    title: str = ""
    summary: str = ""
    kind: str = ""
    kind_reason: str = ""
    urgency: str = ""
    urgency_reason: str = ""
    spans: dict[str, Span] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of ``POST /api/v1/console/fill``."""
        out = asdict(self)
        out["address"].pop("span", None)
        out["spans"] = {k: asdict(v) for k, v in self.spans.items()}
        if self.address.span is not None:
            out["spans"]["address"] = asdict(self.address.span)
        return out


@dataclass(frozen=True)
class FillRules:
    """The compiled rule data of ``classifier/data/fill_rules.json``."""

    name_patterns: tuple[re.Pattern[str], ...]
    compound_surnames: frozenset[str]
    surname_patterns: tuple[re.Pattern[str], ...]
    gender: dict[str, re.Pattern[str]]
    honorifics: dict[str, str]
    not_names: frozenset[str]
    house_number: re.Pattern[str]
    problems: re.Pattern[str]
    objects: re.Pattern[str]
    requests: re.Pattern[str]
    drop_prefixes: tuple[str, ...]
    fillers: re.Pattern[str]


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> FillRules:
    """Read and compile the fill rules."""
    data = json.loads(path.read_text(encoding="utf-8"))
    surname = "(?:" + "|".join(data["compound_surnames"]) + "|[" + data["surnames"] + "])"
    name = surname + r"[\u4e00-\u9fa5*＊某]{1,2}"

    def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p.replace("{S}", surname).replace("{N}", name)) for p in patterns)

    return FillRules(
        name_patterns=compile_all(data["self_name_patterns"]),
        compound_surnames=frozenset(data["compound_surnames"]),
        surname_patterns=compile_all(data["self_surname_patterns"]),
        gender={k: re.compile(v) for k, v in data["gender_patterns"].items()},
        honorifics=data["honorifics"],
        not_names=frozenset(data["not_given_names"]),
        house_number=re.compile(data["house_number"]),
        problems=re.compile(data["problem_words"]),
        objects=re.compile(data["objects"]),
        requests=re.compile(data["request_markers"]),
        drop_prefixes=tuple(sorted(data["title_drop_prefixes"], key=len, reverse=True)),
        fillers=re.compile(f"(?:{data['filler_words']})[，,。.]?"),
    )


def _caller_text(text: str) -> str:
    """Blank out the agent's lines of a transcript (same length, so spans stay valid)."""
    lines = text.split("\n")
    return "\n".join(" " * len(line) if _AGENT_LINE.match(line) else line for line in lines)


def find_caller(text: str, rules: FillRules) -> tuple[str, str, Span | None]:
    """Return (caller_name, salutation, span): the full name when given, else 王先生-style."""
    caller = _caller_text(text)
    for pattern in rules.name_patterns:
        for m in pattern.finditer(caller):
            name = m.group("name").rstrip("某*＊") if m.group("name").endswith("某") else m.group("name")
            given = name[len(_surname(name, rules)) :]
            if not given or any(given.startswith(w) for w in rules.not_names):
                continue
            start, end = m.span("name")
            honor = _honorific_for(text, rules)
            return name, (_surname(name, rules) + honor if honor else ""), Span(start, end, text[start:end])
    # The agent addressing the caller ("王先生您好") counts: search the whole text for surname patterns.
    for pattern in rules.surname_patterns:
        for source in (caller, text):
            m = pattern.search(source)
            if m is None:
                continue
            surname = m.group("surname")
            groups = m.groupdict()
            if groups.get("given"):
                name = surname + groups["given"]
                if not any(name[1:].startswith(w) for w in rules.not_names):
                    honor = _honorific_for(text, rules)
                    return name, (_surname(name, rules) + honor if honor else ""), Span(m.start(), m.end(), m.group(0))
            honor = rules.honorifics.get(groups.get("honorific") or "", "") or _honorific_for(text, rules)
            salutation = surname + honor if honor else ""
            start = m.start("surname")
            end = m.end("honorific") if groups.get("honorific") else m.end("surname")
            return salutation or surname, salutation, Span(start, end, text[start:end])
    return "", "", None


def _surname(name: str, rules: FillRules) -> str:
    """Return the surname of a full name (欧阳明月 → 欧阳)."""
    return name[:2] if name[:2] in rules.compound_surnames else name[:1]


def _honorific_for(text: str, rules: FillRules) -> str:
    """Return 先生/女士 from explicit gender cues, or an empty string."""
    for honor, pattern in rules.gender.items():
        if pattern.search(text):
            return honor
    m = re.search(r"[\u4e00-\u9fa5](先生|女士|小姐)", text)
    return rules.honorifics.get(m.group(1), "") if m else ""


class Filler:
    """Fill forms with one resolver and one jieba tokenizer (gazetteer places as user words); build once."""

    def __init__(
        self, resolver: AddressResolver | None, place_words: Iterable[str] = (), rules: FillRules | None = None
    ) -> None:
        self.resolver = resolver
        self.rules = rules or load_rules()
        self._place_words = sorted({w for w in place_words if len(w) >= 2})
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def tokenizer(self) -> jieba.Tokenizer:
        """Return this filler's jieba tokenizer (the 政务 dictionary plus the gazetteer's place names)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    # A copy of the classifier's word frequencies (its 政务 user dictionary included): loading
                    # jieba's dictionary again would cost seconds and as much memory once more.
                    base = get_tokenizer()
                    tok = jieba.Tokenizer()
                    tok.FREQ, tok.total, tok.initialized = dict(base.FREQ), base.total, True
                    for word in self._place_words:
                        tok.add_word(word, freq=20000, tag="ns")
                    self._tokenizer = tok
        return self._tokenizer

    def fill(self, text: str, now: dt.datetime, title_hint: str = "") -> FillResult:
        """Return the proposed form for ``text`` (times resolved against ``now``)."""
        result = FillResult()
        rules = self.rules
        result.caller_name, result.salutation, span = find_caller(text, rules)
        if span:
            result.spans["caller_name"] = span
        result.phones = [_phone_dict(p) for p in find_phones(text)]
        result.times = [_time_dict(t) for t in find_times(text, now)]
        result.address = self.find_address(text)
        caller = _caller_text(text)
        content = _SPEAKER.sub("", caller)
        result.object, result.problem, problem_span = self.find_problem(caller)
        if problem_span:
            result.spans["problem"] = problem_span
        result.title = self.make_title(caller, result, title_hint)
        result.summary = summarize(rules.fillers.sub("", content), result.title)
        kind = kind_rules.classify_kind(f"{result.title}\n{content}")
        urgency = kind_rules.classify_urgency(content)
        result.kind, result.kind_reason = kind.label, kind.reason
        result.urgency, result.urgency_reason = urgency.label, urgency.reason
        return result

    def find_address(self, text: str) -> FilledAddress:
        """Resolve the address through the gazetteer and return what was said with its house number."""
        if self.resolver is None:
            return FilledAddress()
        caller = _FOREIGN_DISTRICT.sub(
            lambda m: m.group(0)[: m.start("d") - m.start()] + " " * len(m.group("d")), _caller_text(text)
        )
        area = self.resolver.match(caller, fuzzy=False)
        if area is None:
            return FilledAddress()
        said = area.matched_text
        start = caller.find(said) if said else -1
        if start < 0 and said:  # the resolver normalises (full-width, case); look case-insensitively
            start = caller.upper().find(said.upper())
        if start < 0:
            return FilledAddress(
                district=area.district,
                street=area.street,
                community=area.community,
                grid=area.grid_code,
                place=area.place,
                score=area.score,
            )
        end = start + len(said)
        # Extend left over a district name said just before ("A3区" + place), right over the house number.
        before = caller[max(0, start - 8) : start]
        if m := re.search(r"(?:[A-Z]市)?[A-Z]\d{1,2}(?:区|县)$", before):
            start -= len(m.group(0))
        if m := self.rules.house_number.match(caller, end):
            end = m.end()
        return FilledAddress(
            text=text[start:end],
            district=area.district,
            street=area.street,
            community=area.community,
            grid=area.grid_code,
            place=area.place,
            score=area.score,
            span=Span(start, end, text[start:end]),
        )

    def find_problem(self, text: str) -> tuple[str, str, Span | None]:
        """Return (object, problem, span of the sentence part that states the problem).

        The problem is the run of problem words in the sentence of the first one ("油烟很大，噪音扰民" →
        "油烟、噪音扰民"); the object is the nearest object word before it, widened to its jieba word
        (烧烤 → 烧烤店), else the last jieba word before the problem.
        """
        first = self.rules.problems.search(text)
        if first is None:
            return "", "", None
        left = max(text.rfind(c, 0, first.start()) for c in "。！？!?；;\n")
        right_candidates = [i for i in (text.find(c, first.end()) for c in "。！？!?；;\n") if i >= 0]
        right = min(right_candidates) if right_candidates else len(text)
        hits = list(self.rules.problems.finditer(text, first.start(), right))
        # Adjacent problem words form one phrase (噪音+扰民); separate phrases are joined with 、.
        phrases: list[tuple[int, int]] = []
        for m in hits:
            if phrases and m.start() - phrases[-1][1] <= 1:
                phrases[-1] = (phrases[-1][0], m.end())
            else:
                phrases.append(m.span())
        problem = "、".join(dict.fromkeys(text[a:b] for a, b in phrases[:3]))
        start, end = phrases[0][0], phrases[min(len(phrases), 3) - 1][1]
        clause_start = max(text.rfind(c, 0, start) for c in "，,。！？!?；;\n：:") + 1
        obj = ""
        objects = list(self.rules.objects.finditer(text, max(left + 1, clause_start - 40), start))
        if objects:
            o = objects[-1]
            obj = o.group(0)
            for word in self.tokenizer().lcut(text[max(0, o.start() - 4) : o.end() + 3]):
                if obj in word and len(word) <= 6:
                    obj = word
                    break
        else:
            stops = stop_words()
            words = [w for w in self.tokenizer().lcut(text[clause_start:start]) if len(w) >= 2 and w not in stops]
            obj = words[-1] if words else ""
        return obj, problem, Span(start, end, text[start:end])

    def make_title(self, caller: str, result: FillResult, hint: str = "") -> str:
        """Return a ≤ 30-character 留言主题-style title: place + object + problem, else the first clause."""
        if hint.strip():
            return hint.strip()[:TITLE_MAX]
        where = self.rules.house_number.sub("", result.address.text) if result.address.text else ""
        if result.problem:
            obj = result.object if result.object and result.object not in result.problem else ""
            title = f"{where}{obj}{result.problem}"
        else:
            content = self.rules.fillers.sub("", _SPEAKER.sub("", caller)).strip()
            title = ""
            for sentence in _SENTENCE_END.split(content):  # the first sentence that is not only a greeting
                for prefix in self.rules.drop_prefixes:
                    sentence = sentence.strip("，,。 ").removeprefix(prefix)
                title = sentence.strip("，,。 ")
                if len(title) >= 4:
                    break
        return _cut(title, TITLE_MAX)


def _cut(text: str, limit: int) -> str:
    """Cut text to ``limit`` characters at the last comma inside the limit when there is one."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    comma = max(head.rfind("，"), head.rfind(","))
    return head[:comma] if comma >= limit // 2 else head


def _phone_dict(p: PhoneMention) -> dict[str, Any]:
    return {"number": p.number, "kind": p.kind, "span": asdict(Span(p.start, p.end, p.text))}


def _time_dict(t: TimeMention) -> dict[str, Any]:
    return {"kind": t.kind, "value": t.value, "since": t.since, "span": asdict(Span(t.start, t.end, t.text))}
