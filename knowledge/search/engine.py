"""One search API over two backends: SQLite FTS5 bm25() and PostgreSQL tsvector ranking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Date, bindparam
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from knowledge.search.snippet import highlight
from knowledge.search.stats import document_count, document_frequencies, idf
from knowledge.search.synonyms import load_synonyms
from knowledge.search.tokenize import (
    char_bigrams,
    get_tokenizer,
    html_to_text,
    query_words,
)

# Feedback may move a score by at most ±20 %: enough to reorder near-ties, never to lift a weak match
# over a clearly better one. Net votes are smoothed by a prior of 5 neutral votes so one click does little.
FEEDBACK_MAX_BOOST = 0.2
FEEDBACK_PRIOR = 5
# Queries up to this many characters also try the character-bigram fallback when words find too little.
SHORT_QUERY_CHARS = 8
MAX_QUERY_WORDS = 12


@dataclass(frozen=True)
class SearchHit:
    """One ranked article as agents see it."""

    id: int
    title: str
    snippet: str
    status: str
    score: float
    category: str
    unit: str | None
    unit_id: int | None

    def to_dict(self) -> dict:
        return asdict(self)


# A query is a tree: a token (str) or ("and" | "or", [children]).
Node = str | tuple[str, list["Node"]]


def _or(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else ("or", nodes)


def _and(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else ("and", nodes)


def _word_node(word: str, synonyms: dict[str, frozenset[str]]) -> Node:
    """Return the word, its synonyms, or (for compounds) all of its dictionary sub-words."""
    alternatives: list[Node] = sorted(synonyms.get(word, set()) | {word})
    subs = [s for s in get_tokenizer().cut_for_search(word, HMM=False) if s != word and len(s) > 1]
    # Keep maximal sub-words only: 公积金 already implies 公积 and 积金.
    subs = [s for s in dict.fromkeys(subs) if not any(s != o and s in o for o in subs)]
    if len(subs) > 1:
        alternatives.append(_and([_or(sorted(synonyms.get(s, set()) | {s})) for s in subs]))
    return _or(alternatives)


def _tokens(node: Node) -> set[str]:
    if isinstance(node, str):
        return {node}
    return set().union(*(_tokens(child) for child in node[1]))


def _fts5(node: Node) -> str:
    if isinstance(node, str):
        return '"' + node.replace('"', '""') + '"'
    return "(" + f" {node[0].upper()} ".join(_fts5(c) for c in node[1]) + ")"


def _tsquery(node: Node) -> str:
    if isinstance(node, str):
        return "'" + node.replace("\\", "").replace("'", "''") + "'"
    return "(" + (" & " if node[0] == "and" else " | ").join(_tsquery(c) for c in node[1]) + ")"


@dataclass(frozen=True)
class _Filters:
    statuses: tuple[str, ...]
    today: dt.date
    category: str | None
    unit_id: int | None

    def sql(self) -> str:
        # Published articles outside their validity window are expired in effect, even before the
        # nightly job flips their status.
        clauses = [
            "a.status IN :statuses",
            (
                "(a.status <> 'published' OR ((a.valid_to IS NULL OR a.valid_to >= :today)"
                " AND (a.valid_from IS NULL OR a.valid_from <= :today)))"
            ),
        ]
        if self.category:
            clauses.append("a.category = :category")
        if self.unit_id is not None:
            clauses.append("a.unit_id = :unit_id")
        return " AND ".join(clauses)

    def params(self) -> dict:
        return {
            "statuses": list(self.statuses),
            "today": self.today,
            "category": self.category,
            "unit_id": self.unit_id,
        }


def _ranked(
    session: Session, node: Node, field: str, filters: _Filters, pool: int, candidates: int | None = None
) -> list[tuple[int, float, int, int]]:
    """Return (id, score, helpful, unhelpful) for the best ``pool`` matches of one query tree.

    With ``candidates``, only that many matching entries are scored (a bound for suggestion queries).
    """
    bound = f" LIMIT {int(candidates)}" if candidates else ""
    if session.get_bind().dialect.name == "postgresql":
        column = "tsv" if field == "words" else "grams"
        sql = (
            f"SELECT a.id, ts_rank(d.{column}, q, 1) AS score, a.helpful_count, a.unhelpful_count "
            f"FROM (SELECT article_id, {column} FROM kb_search_docs, to_tsquery('simple', :q) q0 "
            f"WHERE {column} @@ q0{bound}) d JOIN kb_articles a ON a.id = d.article_id, "
            f"to_tsquery('simple', :q) q WHERE {filters.sql()} "
            "ORDER BY score DESC, a.id LIMIT :pool"
        )
        q = _tsquery(node)
    else:
        columns = "{title body}" if field == "words" else "{grams}"
        sql = (
            "SELECT a.id, m.score, a.helpful_count, a.unhelpful_count FROM "
            "(SELECT rowid, -bm25(kb_search_fts, 4.0, 1.0, 1.0) AS score FROM kb_search_fts "
            f"WHERE kb_search_fts MATCH :q{bound}) m JOIN kb_articles a ON a.id = m.rowid "
            f"WHERE {filters.sql()} ORDER BY m.score DESC, a.id LIMIT :pool"
        )
        q = f"{columns} : {_fts5(node)}"
    stmt = sql_text(sql).bindparams(bindparam("statuses", expanding=True), bindparam("today", type_=Date))
    rows = session.execute(stmt, {**filters.params(), "q": q, "pool": pool}).all()
    return [(r[0], float(r[1]), r[2], r[3]) for r in rows]


def feedback_boost(helpful: int, unhelpful: int) -> float:
    """Return the bounded score multiplier earned by agents' helpful/not-helpful votes."""
    net = (helpful - unhelpful) / (helpful + unhelpful + FEEDBACK_PRIOR)
    return 1.0 + FEEDBACK_MAX_BOOST * net


# A synonym can be rarer than the word typed (暂住证 vs 居住证) and bm25 would then rank the synonym's
# articles first; matches found only through a synonym count half.
SYNONYM_FACTOR = 0.5

# One stage: queries whose results are merged (first query's score wins) before the next stage.
Stage = list[tuple[Node, str, float]]


def _run_stages(
    session: Session, stages: list[Stage], filters: _Filters, limit: int, *, candidates: int | None = None
) -> list[tuple[int, float]]:
    """Run stages in order, each filling the places the previous ones left, feedback-boosted."""
    found: dict[int, float] = {}
    pool = max(limit * 3, 30)
    for stage in stages:
        if len(found) >= limit:
            break
        merged: dict[int, float] = {}
        for node, field, factor in stage:
            for aid, score, helpful, unhelpful in _ranked(session, node, field, filters, pool, candidates):
                # The first query of a stage is the literal one: its score stands for the articles it found.
                if aid not in found and aid not in merged:
                    merged[aid] = score * factor * feedback_boost(helpful, unhelpful)
        best = sorted(merged.items(), key=lambda pair: (-pair[1], pair[0]))
        for aid, score in best[: limit - len(found)]:
            found[aid] = score
    return list(found.items())


def _hits(session: Session, ranked: list[tuple[int, float]], marks: set[str]) -> list[SearchHit]:
    if not ranked:
        return []
    stmt = sql_text(
        "SELECT a.id, a.title, a.body, a.status, a.category, a.unit_id, u.name FROM kb_articles a "
        "LEFT JOIN units u ON u.id = a.unit_id WHERE a.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    rows = {r[0]: r for r in session.execute(stmt, {"ids": [aid for aid, _ in ranked]})}
    hits = []
    for aid, score in ranked:
        r = rows[aid]
        snippet = highlight(html_to_text(r[2]), marks)
        hits.append(SearchHit(aid, r[1], snippet, r[3], round(score, 6), r[4] or "", r[6], r[5]))
    return hits


def search_articles(
    session: Session,
    query: str,
    *,
    limit: int = 10,
    category: str | None = None,
    unit_id: int | None = None,
    statuses: Sequence[str] = ("published",),
    today: dt.date | None = None,
) -> list[SearchHit]:
    """Return the best articles for a query: all words, then any word, then character bigrams."""
    query = (query or "").strip()[:200]
    limit = max(1, min(int(limit), 50))
    words = query_words(query)[:MAX_QUERY_WORDS]
    grams = list(dict.fromkeys(char_bigrams(query)))
    if not words and not grams:
        return []
    filters = _Filters(tuple(statuses), today or dt.date.today(), category, unit_id)
    synonyms = load_synonyms(session)
    stages: list[Stage] = []
    if words:
        exact = [_word_node(w, {}) for w in words]
        expanded = [_word_node(w, synonyms) for w in words]
        combos = [(_and, exact, 1.0)] + ([(_and, expanded, SYNONYM_FACTOR)] if expanded != exact else [])
        stages.append([(join(nodes), "words", factor) for join, nodes, factor in combos])
        if len(words) > 1:
            stages.append([(_or(nodes), "words", factor) for _, nodes, factor in combos])
    if grams and len(query) <= SHORT_QUERY_CHARS:
        stages.append([(_or(grams), "grams", 1.0)])
    ranked = _run_stages(session, stages, filters, limit)
    marks = set(words)
    for stage in stages:
        for node, _field, _factor in stage:
            marks |= _tokens(node)
    if any(len(m) > 1 for m in marks):
        # A stray single character (体, 取) would light up half the snippet.
        marks = {m for m in marks if len(m) > 1}
    return _hits(session, ranked, marks)


# Suggestions search with the few words of a ticket text that best tell its topic apart: the highest
# tf·idf words by the index's own document frequencies. Words in more than this share of the articles
# say little and would make the candidate set large; they are used only when nothing rarer is there.
SUGGEST_TERMS = 4
SUGGEST_MAX_DF_SHARE = 0.05
SUGGEST_CANDIDATES = 2000


def suggestion_terms(session: Session, text: str, k: int = SUGGEST_TERMS) -> list[str]:
    """Return the ``k`` words of ``text`` that best identify its topic in this index."""
    counts: dict[str, int] = {}
    for word in query_words(text or "", keep_duplicates=True):
        if len(word) >= 2 and not word.isdigit():
            counts[word] = counts.get(word, 0) + 1
    if not counts:
        return []
    n = document_count(session)
    df = document_frequencies(session, counts)
    present = [w for w in counts if df[w] > 0]
    cap = max(20, SUGGEST_MAX_DF_SHARE * n)
    telling = [w for w in present if df[w] <= cap] or present
    ranked = sorted(telling, key=lambda w: (-counts[w] * idf(df[w], n), w))
    return ranked[:k]


def suggest_articles(session: Session, text: str, limit: int = 5, *, today: dt.date | None = None) -> list[SearchHit]:
    """Return published articles like the ticket text being typed (its most telling words, OR-ed)."""
    terms = suggestion_terms(session, (text or "")[:1000])
    if not terms:
        return []
    synonyms = load_synonyms(session)
    node = _or([_or(sorted(synonyms.get(t, {t}) | {t})) for t in terms])
    filters = _Filters(("published",), today or dt.date.today(), None, None)
    ranked = _run_stages(
        session, [[(node, "words", 1.0)]], filters, max(1, min(limit, 20)), candidates=SUGGEST_CANDIDATES
    )
    return _hits(session, ranked, _tokens(node))
