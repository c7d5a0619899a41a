"""Duplicate detection (并单): propose open tickets that say the same thing about the same place.

Texts become TF-IDF vectors of character bigrams (after dropping whitespace, punctuation, digits and
greeting boilerplate); the IDF comes from the indexed pool, smoothed. Similarity is the cosine.
``DEFAULT_THRESHOLD`` = 0.4, calibrated on messages.csv: 400 random messages against a pool of 3,000
others — the best match of a *different* message never exceeded 0.31 (median 0.11), while re-posted
duplicates scored ≥ 0.78 and a re-worded report of the same problem at the same place scores ≈ 0.45–0.9.
Short texts (titles only) run higher by chance (up to ≈ 0.5), so compare full texts when you can. Tickets whose
areas are both known and disjoint (neither code is a prefix of the other, e.g. ``A1-01`` vs ``A3``) are
never proposed — the same complaint about two places is two tickets.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import struct
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

DEFAULT_THRESHOLD = 0.4
VECTOR_CACHE = 1024  # texts whose vectors a process keeps (~17 kB each): hot topics' tickets are candidates again
# A duplicate states its problem early; reading further only costs time (~5 µs per bigram in pure Python).
MAX_CHARS = 500

_NOISE = re.compile(r"[\s\W_0-9a-zA-Z]+", re.UNICODE)
# Boilerplate every citizen writes; it would make unrelated messages look alike.
_BOILERPLATE = re.compile(r"尊敬的领导|您好|你好|领导好|希望|请求|有关部门|相关部门|尽快|解决|处理|谢谢|感谢|反映|问题")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open ticket that a new one may duplicate."""

    id: str
    text: str
    area: str = ""  # the most specific area code known (grid, community, street or district)


@dataclass(frozen=True, slots=True)
class SimilarTicket:
    """A proposed duplicate and its similarity score in [0, 1]."""

    id: str
    score: float


def _shingles(text: str) -> Counter[str]:
    text = _NOISE.sub("", _BOILERPLATE.sub("", text or ""))[:MAX_CHARS]
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def areas_compatible(a: str, b: str) -> bool:
    """Tell whether two hierarchical area codes may denote the same place (one contains the other)."""
    if not a or not b:
        return True
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


class SimilarityIndex:
    """Open tickets' bigram vectors, built once and queried many times (IDF from the indexed pool)."""

    def __init__(self, candidates: Iterable[Candidate] = ()) -> None:
        self._items: dict[str, tuple[Candidate, Counter[str]]] = {}
        self._df: Counter[str] = Counter()
        self._vectors: dict[str, dict[str, float]] = {}
        self._postings: dict[str, set[str]] = {}
        self._built_size = 0  # pool size at the last full rebuild
        for c in candidates:
            grams = _shingles(c.text)
            self._items[c.id] = (c, grams)
            self._df.update(grams.keys())
        # Bulk load: weigh everything once with the final IDF.
        self._vectors = {tid: self._vector(grams) for tid, (_, grams) in self._items.items()}
        for tid, vec in self._vectors.items():
            for g in vec:
                self._postings.setdefault(g, set()).add(tid)
        self._built_size = len(self._items)

    def add(self, candidate: Candidate) -> None:
        """Index an open ticket (replacing one with the same id)."""
        self.remove(candidate.id)
        grams = _shingles(candidate.text)
        self._items[candidate.id] = (candidate, grams)
        self._df.update(grams.keys())
        # Weigh the newcomer with today's IDF; older vectors are re-weighed only when the pool has grown
        # by a tenth, because a full rebuild costs ~1 ms per ticket and IDF drifts slowly.
        vec = self._vector(grams)
        self._vectors[candidate.id] = vec
        for g in vec:
            self._postings.setdefault(g, set()).add(candidate.id)

    def remove(self, ticket_id: str) -> None:
        """Forget a ticket that was closed or merged."""
        old = self._items.pop(ticket_id, None)
        if old is not None:
            self._df.subtract(old[1].keys())
            for g in self._vectors.pop(ticket_id, {}):
                self._postings[g].discard(ticket_id)

    def __len__(self) -> int:
        return len(self._items)

    def _idf(self, gram: str) -> float:
        return math.log((len(self._items) + 2) / (self._df.get(gram, 0) + 1)) + 1.0

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        vec = {g: (1.0 + math.log(c)) * self._idf(g) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def _build(self) -> dict[str, dict[str, float]]:
        n = len(self._items)
        if abs(n - self._built_size) * 10 > self._built_size:
            # Bigram keys do not change on re-weighing, so the postings stay valid.
            self._vectors = {tid: self._vector(grams) for tid, (_, grams) in self._items.items()}
            self._built_size = n
        return self._vectors

    def query(
        self, text: str, area: str = "", threshold: float = DEFAULT_THRESHOLD, limit: int = 5, exclude: str = ""
    ) -> list[SimilarTicket]:
        """Return indexed tickets at least ``threshold`` similar to the text in a compatible area, best first."""
        vectors = self._build()
        query = self._vector(_shingles(text))
        scores: dict[str, float] = {}
        # Accumulate dot products over shared bigrams only: cost follows overlap, not pool size.
        for g, w in query.items():
            for tid in self._postings.get(g, ()):
                scores[tid] = scores.get(tid, 0.0) + w * vectors[tid][g]
        found = [
            SimilarTicket(tid, round(score, 4))
            for tid, score in scores.items()
            if score >= threshold and tid != exclude and areas_compatible(area, self._items[tid][0].area)
        ]
        found.sort(key=lambda st: (-st.score, st.id))
        return found[:limit]


def find_similar(
    text: str,
    area: str,
    candidates: Iterable[Candidate],
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
) -> list[SimilarTicket]:
    """Return candidates whose text is at least ``threshold`` similar to the new text, best first."""
    pool = [c for c in candidates if areas_compatible(area, c.area)]
    return SimilarityIndex(pool).query(text, area, threshold, limit)


# --- MinHash bands: the persistent index over every open ticket (``dispatch.similar_index``) -------------
# 20 bands of 3 rows: a pair with Jaccard similarity J of their bigram sets shares a band with probability
# 1 - (1 - J³)²⁰ — 0.93 at J = 0.5, 0.73 at J = 0.4, 0.0025 at J = 0.05 (unrelated texts), so a query reads
# a few candidates out of tens of thousands. ``bench/similar_recall.py`` measures recall on messages.csv.
BANDS = 20
ROWS = 3
_PRIME = 2147483647  # 2^31 - 1: (a·x + b) of 32-bit x and a, b < 2^31 stays below 2^63, exact in uint64
_PERMUTATIONS = np.random.default_rng(20261202).integers(1, _PRIME, size=(2, BANDS * ROWS), dtype=np.uint64)


def minhash_bands(text: str) -> list[int]:
    """Return the text's LSH band keys (signed 64-bit, stable across processes); none for an empty text."""
    return list(_bands(text))


@functools.lru_cache(maxsize=64)  # intake finds a new ticket's duplicates, then indexes it: the same text twice
def _bands(text: str) -> tuple[int, ...]:
    grams = _shingles(text)
    if not grams:
        return ()
    x = np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))
    mins = ((np.outer(x, _PERMUTATIONS[0]) + _PERMUTATIONS[1]) % _PRIME).min(axis=0).reshape(BANDS, ROWS)
    keys = []
    for band, row in enumerate(mins.tolist()):
        digest = hashlib.blake2b(struct.pack("<4I", band, *row), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return tuple(keys)


class IdfTable:
    """Bigram document frequencies of a sample of open tickets: the weights candidates are re-scored with.

    A query re-scores ~30 candidates, so the weights are looked up, not computed (a ``math.log`` per bigram was
    most of a suggestion's duplicate search), and the vectors of recently seen texts are kept.
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for text in texts:
            self.df.update(_shingles(text).keys())
            self.n += 1
        self._unseen = math.log(self.n + 2) + 1.0
        self._weights = {g: math.log((self.n + 2) / (df + 1)) + 1.0 for g, df in self.df.items()}
        self.vector = functools.lru_cache(maxsize=VECTOR_CACHE)(self._vector)

    def _vector(self, text: str) -> dict[str, float]:
        counts = _shingles(text)
        weight, unseen = self._weights.get, self._unseen
        vec = {g: weight(g, unseen) for g in counts}
        for g, c in counts.items():
            if c > 1:  # most bigrams occur once: their tf weight is 1
                vec[g] *= 1.0 + math.log(c)
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def vector(self, text: str) -> dict[str, float]:  # replaced per instance by a cached _vector
        """Return the unit TF-IDF vector of ``text`` (the same weighting as :class:`SimilarityIndex`); read-only."""
        return self._vector(text)


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Return the dot product of two unit vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())
