"""并单 recall on the real messages: today's per-request TF-IDF over the newest open tickets vs the MinHash index.

Every message of ``messages.csv``, ``unlabeled_messages.csv`` and ``hotspot_messages.csv`` is an open ticket
(created at a random moment). Queries: (1) each member of a ``dup_group`` with another member in the pool — the
true duplicates; (2) 400 re-worded reports: the detail without its title, cut to 70 %, of random messages.
A query is a hit when the partner is proposed (score ≥ 0.4, top 5, the query itself excluded).

- ``today-300`` / ``today-1000``: ``SimilarityIndex`` over the newest 300 (intake) / 1,000 (the view) open tickets,
  as ``find_similar_open`` did before the index;
- ``today-all``: the same over every open ticket (what the old code would cost per call at full coverage);
- ``minhash``: the index (``minhash_bands`` candidates, re-scored with ``IdfTable`` weights from 1,000 of the
  newest tickets), as ``dispatch.similar_index.find_similar`` does in SQL.

Prints one JSON line per method with recall, the mean number of false proposals per query, and the per-query
time in this process. Usage: python bench/similar_recall.py [--pool-limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch.similar_index import CANDIDATES, IDF_SAMPLE, ticket_text
from dispatch.similarity import DEFAULT_THRESHOLD, Candidate, IdfTable, SimilarityIndex, cosine, minhash_bands

DATA = Path(os.environ.get("HOTLINE_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def load_pool() -> tuple[list[str], dict[int, set[int]]]:
    """Return the open tickets' texts (newest last) and, per index, the indexes of its true duplicates."""
    texts: list[tuple[str, str]] = []
    with (DATA / "messages.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts.append((ticket_text(row["title"], _clean(row["detail"])), row["dup_group"]))
    for name in ("unlabeled_messages.csv", "hotspot_messages.csv"):
        with (DATA / name).open(encoding="utf-8") as fh:
            texts.extend((ticket_text(r["title"], _clean(r["detail"])), "") for r in csv.DictReader(fh))
    random.Random(7).shuffle(texts)  # random creation order
    groups: dict[str, list[int]] = {}
    for i, (_, group) in enumerate(texts):
        if group:
            groups.setdefault(group, []).append(i)
    dups = {i: set(g) - {i} for g in groups.values() if len(g) > 1 for i in g}
    return [t for t, _ in texts], dups


def reworded(texts: list[str], n: int) -> dict[str, int]:
    """Return n re-worded queries (detail only, 70 % of it) → the index of the message they re-word."""
    rng = random.Random(11)
    out: dict[str, int] = {}
    for i in rng.sample(range(len(texts)), n * 2):
        body = texts[i].split(" ", 1)[-1]
        if len(body) >= 40:
            out[body[: int(len(body) * 0.7)]] = i
        if len(out) == n:
            break
    return out


def today(texts: list[str], pool_limit: int | None):
    def query(text: str, exclude: int) -> list[int]:
        # Newest first, as the old query did; the query's own ticket is not yet in the table.
        ids = [i for i in range(len(texts) - 1, -1, -1) if i != exclude][:pool_limit]
        index = SimilarityIndex(Candidate(str(i), texts[i]) for i in ids)
        return [int(s.id) for s in index.query(text, limit=5)]

    return query


def minhash(texts: list[str]):
    postings: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        for band in set(minhash_bands(text)):
            postings.setdefault(band, []).append(i)
    idf = IdfTable(texts[-IDF_SAMPLE:])

    def query(text: str, exclude: int) -> list[int]:
        hits: Counter[int] = Counter()
        for band in minhash_bands(text):
            hits.update(j for j in postings.get(band, ()) if j != exclude)
        wanted = idf.vector(text)
        scored = [(cosine(wanted, idf.vector(texts[j])), j) for j, _ in hits.most_common(CANDIDATES)]
        return [j for s, j in sorted(scored, reverse=True) if s >= DEFAULT_THRESHOLD][:5]

    return query


def evaluate(
    name: str, query, texts: list[str], dups: dict[int, set[int]], rewords: dict[str, int], sample: int | None
) -> dict:
    items = list(dups.items())[:sample] if sample else list(dups.items())
    started = time.perf_counter()
    hit = wrong = 0
    for i, partners in items:
        found = query(texts[i], i)
        hit += bool(partners & set(found))
        wrong += len(set(found) - partners)
    re_hit = 0
    for text, i in list(rewords.items())[:sample] if sample else rewords.items():
        re_hit += i in query(text, -1)
    n = len(items) + (min(sample, len(rewords)) if sample else len(rewords))
    return {
        "method": name,
        "pool": len(texts),
        "duplicate_queries": len(items),
        "duplicate_recall": round(hit / len(items), 4),
        "false_per_duplicate_query": round(wrong / len(items), 3),
        "reworded_queries": len(rewords) if not sample else min(sample, len(rewords)),
        "reworded_recall": round(re_hit / (min(sample, len(rewords)) if sample else len(rewords)), 4),
        "ms_per_query": round((time.perf_counter() - started) / n * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=None, help="queries per kind for the slow methods")
    args = parser.parse_args()
    texts, dups = load_pool()
    rewords = reworded(texts, 400)
    for name, query, sample in (
        ("minhash", minhash(texts), None),
        ("today-300", today(texts, 300), None),
        ("today-1000", today(texts, 1000), None),
        ("today-all", today(texts, None), args.sample or 60),
    ):
        print(json.dumps(evaluate(name, query, texts, dups, rewords, sample), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
