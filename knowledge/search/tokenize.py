"""Jieba segmentation for the index and for queries, with a 政务 user dictionary."""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"

# Runs of word characters only: FTS5 unicode61 and PostgreSQL's parser would split on anything else,
# so both sides of the index agree on token boundaries.
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_HTML_TAG = re.compile(r"<[^>]+>")

# Function words and question fillers: they match nearly every article and drown the topic words.
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "你",
        "他",
        "她",
        "它",
        "们",
        "我们",
        "你们",
        "在",
        "和",
        "与",
        "及",
        "或",
        "也",
        "都",
        "就",
        "还",
        "又",
        "把",
        "被",
        "对",
        "于",
        "给",
        "让",
        "向",
        "从",
        "到",
        "为",
        "以",
        "之",
        "其",
        "这",
        "那",
        "这个",
        "那个",
        "这里",
        "那里",
        "这些",
        "那些",
        "吗",
        "呢",
        "啊",
        "吧",
        "呀",
        "哦",
        "嘛",
        "么",
        "什么",
        "怎么",
        "怎样",
        "怎么办",
        "如何",
        "哪里",
        "哪些",
        "哪个",
        "为什么",
        "请问",
        "请",
        "问",
        "想",
        "要",
        "需要",
        "可以",
        "能否",
        "能",
        "会",
        "应该",
        "一下",
        "一个",
        "有",
        "没有",
        "没",
        "不",
        "很",
        "非常",
        "已经",
        "现在",
        "目前",
        "但是",
        "但",
        "而",
        "如果",
        "因为",
        "所以",
        "关于",
        "有关",
        "情况",
        "问题",
        "相关",
        "进行",
        "一些",
        "这样",
        "那么",
        "您好",
        "你好",
        "谢谢",
        "感谢",
        "希望",
        "尽快",
        "领导",
        "反映",
        "咨询",
        "市民",
        "网友",
        "本人",
    ]
)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def get_tokenizer() -> jieba.Tokenizer:
    """Return the private jieba tokenizer, initialising it once."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                # A private Tokenizer so other packages' jieba use is unaffected; its marshal cache
                # goes to a per-user temp dir rather than the working directory.
                tokenizer = jieba.Tokenizer()
                cache = Path(tempfile.gettempdir()) / f"hotline12345-kb-jieba-{os.getuid()}"
                cache.mkdir(mode=0o700, parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(cache)
                tokenizer.initialize()
                # Pass an open file: given a path, jieba never closes it (a ResourceWarning).
                with USERDICT_PATH.open("rb") as fh:
                    tokenizer.load_userdict(fh)
                _tokenizer = tokenizer
    return _tokenizer


def html_to_text(html: str) -> str:
    """Return the visible text of sanitised HTML with whitespace collapsed."""
    import html as html_lib

    text = _HTML_TAG.sub(" ", html or "")
    return " ".join(html_lib.unescape(text).split())


def _clean(words: Iterable[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        for part in _WORD.findall(word.lower()):
            if part not in STOP_WORDS and part != "_":
                out.append(part)
    return out


# jieba segments each run of these characters on its own (everything else becomes single characters), so
# segmenting a text block by block gives exactly the tokens of segmenting it whole.
_JIEBA_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
BLOCK_CACHE_SIZE = 200_000


def text_blocks(text: str) -> list[str]:
    """Split text into the runs jieba segments independently (separators dropped)."""
    return [b for b in _JIEBA_BLOCK.split(text or "") if b and _JIEBA_BLOCK.fullmatch(b)]


_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_clean_cache: dict[str, tuple[str, ...]] = {}


def _clean_word(word: str) -> tuple[str, ...]:
    parts = _clean_cache.get(word)
    if parts is None:
        parts = tuple(_clean((word,)))
        if len(_clean_cache) < BLOCK_CACHE_SIZE:
            _clean_cache[word] = parts
    return parts


_ABSENT = object()
_logp: list = [None, None, {}]  # tokenizer, its total, word → log probability (None for prefixes)


def _log_probabilities(tokenizer: jieba.Tokenizer) -> dict[str, float | None]:
    """Return jieba's log(freq) - log(total) per dictionary entry (None for mere prefixes), computed once."""
    if _logp[0] is not tokenizer or _logp[1] != tokenizer.total:
        with _lock:
            logtotal = math.log(tokenizer.total)
            table = {w: (math.log(f) - logtotal if f else None) for w, f in tokenizer.FREQ.items()}
            _logp[:] = [tokenizer, tokenizer.total, table]
    return _logp[2]


def _search_cut(tokenizer: jieba.Tokenizer, block: str) -> list[str]:
    """Return ``tokenizer.cut_for_search(block, HMM=False)`` for one jieba block, computed in one pass.

    The same dictionary walk, route and search-mode sub-words as jieba's (ties and float sums in the same
    order, so the same tokens), without its generators and per-block dictionaries: segmentation is most of
    an index rebuild. ``tests/knowledge/test_tokenize.py`` checks it against jieba.
    """
    freq = tokenizer.FREQ
    logp = _log_probabilities(tokenizer)
    unknown = math.log(1) - math.log(tokenizer.total)
    n = len(block)
    best = [0.0] * (n + 1)
    nxt = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        top = None
        top_x = k
        i = k
        frag = block[k]
        while i < n:
            lp = logp.get(frag, _ABSENT)
            if lp is _ABSENT:
                break
            if lp is not None:
                score = lp + best[i + 1]
                if top is None or score >= top:
                    top, top_x = score, i
            i += 1
            frag = block[k : i + 1]
        if top is None:
            top = unknown + best[k + 1]
        best[k] = top
        nxt[k] = top_x
    words: list[str] = []
    x = 0
    buf = ""
    while x < n:
        y = nxt[x] + 1
        word = block[x:y]
        if y - x == 1 and word in _ASCII_ALNUM:
            buf += word
        else:
            if buf:
                words.append(buf)
                buf = ""
            words.append(word)
        x = y
    if buf:
        words.append(buf)
    out: list[str] = []
    for w in words:
        size = len(w)
        if size > 2:
            out.extend(w[i : i + 2] for i in range(size - 1) if freq.get(w[i : i + 2]))
        if size > 3:
            out.extend(w[i : i + 3] for i in range(size - 2) if freq.get(w[i : i + 3]))
        out.append(w)
    return out


@lru_cache(maxsize=BLOCK_CACHE_SIZE)
def block_tokens(block: str) -> tuple[str, ...]:
    """Segment one block in search mode; cached because clauses repeat across articles (replies' set phrases)."""
    # HMM off: unknown runs split the same way at index and at query time, and it is ~25% faster.
    if not _JIEBA_BLOCK.fullmatch(block):
        return tuple(_clean(get_tokenizer().cut_for_search(block, HMM=False)))
    out: list[str] = []
    for word in _search_cut(get_tokenizer(), block):
        out.extend(_clean_word(word))
    return tuple(out)


def index_tokens(text: str, *, blocks: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Segment text for the index in search mode (words plus their dictionary sub-words).

    ``blocks`` holds blocks already segmented elsewhere (the parallel rebuild); others are segmented here.
    """
    out: list[str] = []
    known = blocks or {}
    for part in _JIEBA_BLOCK.split(text or ""):
        if not part or part.isspace():
            continue
        tokens = known.get(part)
        if tokens is not None:
            out.extend(tokens)
        elif _JIEBA_BLOCK.fullmatch(part):
            out.extend(block_tokens(part))
        else:
            # Outside blocks jieba yields single characters: keep the word characters among them.
            out.extend(_clean(part))
    return out


# How callers ask rather than what they ask about: question words, modal verbs and fillers of spoken
# Chinese. Dropped from queries only (the index keeps them, so this list can change without a rebuild).
QUERY_FILLERS = frozenset(
    [
        "多少",
        "多久",
        "多长时间",
        "不能",
        "能不能",
        "可不可以",
        "是不是",
        "有没有",
        "要不要",
        "怎么样",
        "咋办",
        "咋",
        "哪儿",
        "哪",
        "去哪",
        "去哪里",
        "找谁",
        "谁",
        "才能",
        "能够",
        "是否",
        "可否",
        "到底",
        "究竟",
        "一直",
        "老是",
        "总是",
        "还是",
        "帮忙",
        "麻烦",
        "您",
        "问问",
        "想问",
        "请教",
        "知道",
        "告诉",
        "具体",
        "着",
        "里",
        "上",
        "太",
        "才",
        "该",
        "等",
    ]
)


def query_words(text: str, *, keep_duplicates: bool = False, drop_fillers: bool = False) -> list[str]:
    """Segment a query in precise mode, deduplicated in order; search mode is used on the index side.

    ``drop_fillers`` also drops ``QUERY_FILLERS`` (for what an agent types; synonym phrases keep them).
    """
    words = _clean(get_tokenizer().cut(text or "", HMM=False))
    if drop_fillers:
        words = [w for w in words if w not in QUERY_FILLERS]
    return words if keep_duplicates else list(dict.fromkeys(words))


def char_bigrams(text: str, *, max_chars: int = 400) -> list[str]:
    """Return the CJK character bigrams of text (single characters for 1-char runs)."""
    grams: list[str] = []
    budget = max_chars
    for match in _CJK.finditer(text or ""):  # lazily: a long body stops at the budget
        if budget <= 0:
            break
        run = match.group()[:budget]
        budget -= len(run)
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(map(str.__add__, run, run[1:]))
    return grams
