"""An extractive summary (≤ 80 characters): the sentences of a message that carry the request."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from classifier.tokenize import normalize_text

MAX_CHARS = 80
RULES_PATH = Path(__file__).resolve().parent / "data" / "fill_rules.json"
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_CLAUSE = re.compile(r"[^，,、：:]+[，,、：:]*")
_GREETING = re.compile(r"^(?:尊敬的[^，,：:。]{0,12}[，,：:]?|[^，,。]{0,8}(?:您好|你好)[！!，,：:。]?|喂[，,]?)+")
_SIGN_OFF = re.compile(r"(?:此致敬礼|谢谢|感谢|万分感谢|不胜感激|麻烦了)[！!。]*$")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    rules = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    return re.compile(rules["request_markers"]), re.compile(rules["problem_words"])


def split_sentences(text: str) -> list[str]:
    """Return the sentences of a normalised text (ending punctuation kept)."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _trim(sentence: str, limit: int) -> str:
    """Cut a sentence to ``limit`` characters at a clause boundary when there is one."""
    if len(sentence) <= limit:
        return sentence
    kept = ""
    for clause in _CLAUSE.findall(sentence):
        if len(kept) + len(clause) > limit:
            break
        kept += clause
    kept = kept.rstrip("，,、：:") or sentence[: limit - 1]
    return kept[: limit - 1] + "…" if len(kept) >= limit else kept + "…"


def summarize(text: str, title: str = "", limit: int = MAX_CHARS) -> str:
    """Return the sentences that state the problem and the request, in text order, within ``limit`` characters.

    Scoring is extractive and explainable: a sentence earns points for a request marker (请求/希望/尽快…), for
    problem words (扰民/停水/拖欠…), for sharing characters with the title, and for coming first (callers and
    writers state the issue early); greetings and sign-offs are dropped.
    """
    request, problem = _patterns()
    body = normalize_text(text)
    body = _GREETING.sub("", body)
    sentences = [s for s in split_sentences(body) if not _SIGN_OFF.fullmatch(s)] or split_sentences(body)
    if not sentences:
        return _trim(normalize_text(title), limit)
    title_chars = set(normalize_text(title)) - set("的了是在和与及，。")
    scored = []
    for i, s in enumerate(sentences):
        score = 2.0 * bool(request.search(s)) + 1.0 * min(len(problem.findall(s)), 2)
        if title_chars:
            score += 2.0 * len(title_chars & set(s)) / len(title_chars)
        score += 1.5 if i == 0 else 0.5 if i == len(sentences) - 1 else 0.0
        score -= 0.5 * (len(s) > limit)
        scored.append((score, i))
    chosen: list[int] = []
    used = 0
    for _, i in sorted(scored, key=lambda si: (-si[0], si[1])):
        s = sentences[i]
        if used + len(s) <= limit:
            chosen.append(i)
            used += len(s)
        elif not chosen:
            return _trim(s, limit)
    return "".join(sentences[i] for i in sorted(chosen))
