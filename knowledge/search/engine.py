"""One search API over two backends: SQLite FTS5 bm25() and PostgreSQL tsvector ranking."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Date, bindparam
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from knowledge.dates import today as local_today
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
# bm25 weight of a title match against a body match (SQLite; PostgreSQL weighs the title 'A').
TITLE_WEIGHT = 4.0


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


def _single_word_node(word: str) -> Node:
    """Return the word or (for compounds) all of its maximal dictionary sub-words."""
    subs = [s for s in get_tokenizer().cut_for_search(word, HMM=False) if s != word and len(s) > 1]
    # Keep maximal sub-words only: 公积金 already implies 公积 and 积金.
    subs = [s for s in dict.fromkeys(subs) if not any(s != o and s in o for o in subs)]
    return _or([word, _and(subs)]) if len(subs) > 1 else word


def _phrase_node(phrase: str, *, sub_words: bool = True) -> Node:
    """Return a node for a word or a several-word phrase (a synonym such as 不发工资: all its words).

    With ``sub_words``, a compound also matches as all of its dictionary sub-words (see ``_single_word_node``).
    """
    words = query_words(phrase)
    single = _single_word_node if sub_words else (lambda w: w)
    if len(words) <= 1:
        return single(words[0] if words else phrase.lower())
    return _and([single(w) for w in words])


def _word_node(word: str, synonyms: dict[str, frozenset[str]]) -> Node:
    """Return the word or any of its synonyms (each a word or a phrase)."""
    # A phrase that segments to single characters only (没水 → 水) would match half the index: such a
    # phrase stands for its group in the query but is not searched for itself.
    group = sorted(synonyms.get(word, set()) | {word})
    telling = [alt for alt in group if any(len(w) > 1 for w in query_words(alt))] or [word]
    # Synonyms are matched as written: widening a synonym again by its sub-words (社会 AND 保障 AND 卡 for
    # 社会保障卡) matches a good part of the index and is slow to rank for little gain.
    return _or([_phrase_node(alt, sub_words=alt == word) for alt in telling])


def _synonym_node(word: str, synonyms: dict[str, frozenset[str]]) -> Node | None:
    """Return a node for the word's synonyms alone (as ``_word_node`` searches them), None without any."""
    node = _word_node(word, synonyms)
    if node == _word_node(word, {}):
        return None
    literal = _phrase_node(word)
    alternatives = [c for c in node[1] if c != literal] if isinstance(node, tuple) and node[0] == "or" else [node]
    return _or(alternatives) if alternatives else None


def split_query(query: str, synonyms: dict[str, frozenset[str]]) -> list[str]:
    """Segment a query, keeping synonym phrases (老板不发工资 → 老板, 不发工资) whole."""
    phrases = sorted((p for p in synonyms if len(p) > 1 and p in query.lower()), key=len, reverse=True)
    if not phrases:
        return query_words(query)
    pattern = re.compile("(" + "|".join(re.escape(p) for p in phrases) + ")")
    words: list[str] = []
    for part in pattern.split(query.lower()):
        if part in synonyms:
            words.append(part)
        elif part:
            words.extend(query_words(part))
    return list(dict.fromkeys(words))


def _but_not(node: Node, exclude: Node) -> Node:
    """Return a node matching ``node`` but not ``exclude`` (what only a synonym finds)."""
    return ("not", [node, exclude])


def _tokens(node: Node) -> set[str]:
    if isinstance(node, str):
        return {node}
    children = node[1][:1] if node[0] == "not" else node[1]
    return set().union(*(_tokens(child) for child in children))


def _fts5(node: Node) -> str:
    if isinstance(node, str):
        return '"' + node.replace('"', '""') + '"'
    return "(" + f" {node[0].upper()} ".join(_fts5(c) for c in node[1]) + ")"


def _tsquery(node: Node) -> str:
    if isinstance(node, str):
        return "'" + node.replace("\\", "").replace("'", "''") + "'"
    if node[0] == "not":
        return f"({_tsquery(node[1][0])} & !{_tsquery(node[1][1])})"
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


# Archived replies to one citizen's message (the demo seed's 政民互动答复) answer that one case in its own
# words, and carry the citizen's message too; every other article is curated guidance written by the units
# (办事指引, 标准答复), the answer agents should read first. A curated article's text score counts this much
# more; a prior, not a filter: a reply that matches clearly better still comes first.
CASE_REPLY_CATEGORY = "政民互动答复"
CURATED_PRIOR = 1.5


def article_prior(category: str) -> float:
    """Return the static score multiplier of an article (curated guidance over archived case replies)."""
    return 1.0 if category == CASE_REPLY_CATEGORY else CURATED_PRIOR


# A search scores the best this many index entries per query before it joins them to their articles for
# filters, priors and feedback: joining every match of a common word (公交, 小区: thousands of articles)
# cost more than ranking them. When filters leave fewer than the page needs and more entries matched, the
# query runs again unbounded.
RANK_CANDIDATES = 200


def _ranked(
    session: Session,
    node: Node,
    field: str,
    filters: _Filters,
    pool: int,
    candidates: int | None = None,
    coverage: Sequence[tuple[Node, float]] = (),
) -> list[tuple[int, float, int, int]]:
    """Return (id, score, helpful, unhelpful) for the best ``pool`` matches of one query tree.

    The score is the text score times the article's static prior (``article_prior``). With ``candidates``,
    only that many matching entries are scored, in no order (a bound for suggestion queries).
    """
    pg = session.get_bind().dialect.name == "postgresql"
    k = max(RANK_CANDIDATES, pool * 4)
    rows = _ranked_once(session, pg, node, field, filters, pool, None if candidates else k, candidates, coverage)
    if not candidates and len(rows) < pool and _match_count(session, pg, node, field) > k:
        rows = _ranked_once(session, pg, node, field, filters, pool, None, None, coverage)
    return rows


def _match_count(session: Session, pg: bool, node: Node, field: str) -> int:
    if pg:
        column = _PG_COLUMNS[field]
        sql = f"SELECT count(*) FROM kb_search_docs WHERE {column} @@ CAST(:q AS tsquery)"
        return session.execute(sql_text(sql), {"q": _tsquery(node)}).scalar() or 0
    sql = "SELECT count(*) FROM kb_search_fts WHERE kb_search_fts MATCH :q"
    return session.execute(sql_text(sql), {"q": _fts5_query(node, field)}).scalar() or 0


# What each field of a query searches: FTS5 column filter, PostgreSQL tsvector column.
_FTS5_COLUMNS = {"words": "{title body}", "title": "{title}", "grams": "{grams}"}
_PG_COLUMNS = {"words": "tsv", "title": "title", "grams": "grams"}


def _fts5_query(node: Node, field: str) -> str:
    return f"{_FTS5_COLUMNS[field]} : {_fts5(node)}"


def _ranked_once(
    session: Session,
    pg: bool,
    node: Node,
    field: str,
    filters: _Filters,
    pool: int,
    k: int | None,
    candidates: int | None,
    coverage: Sequence[tuple[Node, float]],
) -> list[tuple[int, float, int, int]]:
    if pg:
        column = _PG_COLUMNS[field]
        # ts_rank barely rewards an OR query's extra matches; with ``coverage`` each matched part adds its
        # weight (idf), so the article covering most of a ticket's telling words comes first.
        extra = "".join(
            f" + CASE WHEN d.{column} @@ CAST(:cov{i} AS tsquery) THEN {float(w)} ELSE 0 END"
            for i, (_, w) in enumerate(coverage)
        )
        score = f"ts_rank(d.{column}, CAST(:q AS tsquery), 1){extra}"
        if candidates:
            inner = (
                f"SELECT d.article_id, {score} AS score FROM (SELECT article_id, {column} FROM kb_search_docs "
                f"WHERE {column} @@ CAST(:q AS tsquery) LIMIT {int(candidates)}) d"
            )
        else:
            inner = f"SELECT d.article_id, {score} AS score FROM kb_search_docs d WHERE d.{column} @@ CAST(:q AS tsquery)"
            inner += f" ORDER BY score DESC, d.article_id LIMIT {int(k)}" if k else ""
        params = {"q": _tsquery(node)} | {f"cov{i}": _tsquery(part) for i, (part, _) in enumerate(coverage)}
        sql = f"SELECT a.id, m.score, a.helpful_count, a.unhelpful_count, a.category FROM ({inner}) m "
        sql += "JOIN kb_articles a ON a.id = m.article_id"
    else:
        weights = f"{TITLE_WEIGHT}, 1.0, 1.0"
        if candidates:
            inner = (
                f"SELECT rowid, -bm25(kb_search_fts, {weights}) AS score FROM kb_search_fts "
                f"WHERE kb_search_fts MATCH :q LIMIT {int(candidates)}"
            )
        else:
            # From the FTS table alone, ORDER BY rank sorts on FTS5's bm25 auxiliary inside the module and
            # only the best k rows are joined (an outer ORDER BY over the join ranks every match).
            inner = (
                "SELECT rowid, -rank AS score FROM kb_search_fts WHERE kb_search_fts MATCH :q "
                f"AND rank MATCH 'bm25({weights})' ORDER BY rank LIMIT {int(k) if k else -1}"
            )
        params = {"q": _fts5_query(node, field)}
        sql = f"SELECT a.id, m.score, a.helpful_count, a.unhelpful_count, a.category FROM ({inner}) m "
        sql += "JOIN kb_articles a ON a.id = m.rowid"
    # The prior multiplies inside SQL so only ``pool`` rows come back.
    prior = f"(CASE WHEN a.category = '{CASE_REPLY_CATEGORY}' THEN 1.0 ELSE {CURATED_PRIOR} END)"
    sql = sql.replace("SELECT a.id, m.score,", f"SELECT a.id, m.score * {prior} AS score,", 1)
    sql += f" WHERE {filters.sql()} ORDER BY score DESC, a.id LIMIT :pool"
    stmt = sql_text(sql).bindparams(bindparam("statuses", expanding=True), bindparam("today", type_=Date))
    rows = session.execute(stmt, {**filters.params(), **params, "pool": pool}).all()
    return [(r[0], float(r[1]), r[2], r[3]) for r in rows]


def feedback_boost(helpful: int, unhelpful: int) -> float:
    """Return the bounded score multiplier earned by agents' helpful/not-helpful votes."""
    net = (helpful - unhelpful) / (helpful + unhelpful + FEEDBACK_PRIOR)
    return 1.0 + FEEDBACK_MAX_BOOST * net


# A synonym can be rarer than the word typed (暂住证 vs 居住证) and bm25 would then rank the synonym's
# articles first; matches found only through a synonym count half.
SYNONYM_FACTOR = 0.5

# An article matching only some of a query's words (the any-word query) counts this much: missing words
# are a sign it answers another question, beyond the smaller bm25 sum of the words it has.
ANY_WORD_FACTOR = 0.75

# One stage: queries whose results are merged (first query's score wins) before the next stage.
Stage = list[tuple[Node, str, float]]


def _run_stages(
    session: Session,
    stages: list[Stage],
    filters: _Filters,
    limit: int,
    *,
    candidates: int | None = None,
    coverage: Sequence[tuple[Node, float]] = (),
) -> list[tuple[int, float]]:
    """Run stages in order, each filling the places the previous ones left, feedback-boosted."""
    found: dict[int, float] = {}
    pool = max(limit * 3, 30)
    for stage in stages:
        if len(found) >= limit:
            break
        merged: dict[int, float] = {}
        for node, field, factor in stage:
            for aid, score, helpful, unhelpful in _ranked(session, node, field, filters, pool, candidates, coverage):
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


# The any-word stage ranks by the words that tell articles apart: a word in more than this share of the
# index (小区, 问题 in a complaints corpus) barely moves bm25 yet makes the candidate set huge.
COMMON_WORD_SHARE = 0.04


def _telling_words(session: Session, words: list[str]) -> set[str]:
    """Return the query words worth searching for on their own (all but the very common ones)."""
    n = document_count(session)
    df = document_frequencies(session, words)
    cap = max(20, COMMON_WORD_SHARE * n)
    telling = {w for w in words if df[w] <= cap}
    # Only common words: keep the two rarest so the stage still finds something.
    return telling or set(sorted(words, key=lambda w: df[w])[:2])


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
    """Return the best articles for a query: words (all or the telling ones), then character bigrams."""
    query = (query or "").strip()[:200]
    limit = max(1, min(int(limit), 50))
    synonyms = load_synonyms(session)
    words = split_query(query, synonyms)[:MAX_QUERY_WORDS]
    grams = list(dict.fromkeys(char_bigrams(query)))
    if not words and not grams:
        return []
    filters = _Filters(tuple(statuses), today or local_today(), category, unit_id)
    stages: list[Stage] = []
    if words:
        exact = [_word_node(w, {}) for w in words]
        expanded = [_word_node(w, synonyms) for w in words]
        # The synonym query leaves out what the literal query finds: those articles keep the literal score
        # anyway, and a common word's matches would otherwise be ranked twice.
        stage = [(_and(exact), "words", 1.0)]
        if expanded != exact:
            # All words, at least one of them through a synonym only: written per such word so that the
            # literal word's postings are not read just to be excluded.
            alternatives = [
                _and([syn if j == i else node for j, node in enumerate(expanded)])
                for i, syn in enumerate(_synonym_node(w, synonyms) for w in words)
                if syn is not None
            ]
            stage.append((_but_not(_or(alternatives), _and(exact)), "words", SYNONYM_FACTOR))
        if len(words) == 1:
            # One word: articles carrying it in the title come first, then the others. A common word
            # (公交) is in thousands of articles; ranking only the titles that carry it keeps this fast.
            stages.append([(node, "title", factor) for node, _field, factor in stage])
        stages.append(stage)
        if len(words) > 1:
            keep = _telling_words(session, words)
            if keep:
                literal = _or([n for w, n in zip(words, exact, strict=True) if w in keep])
                relaxed = [(literal, ANY_WORD_FACTOR)]
                # Any word's synonyms (not the words typed: their postings would be read again only to be
                # excluded).
                others = [n for n in (_synonym_node(w, synonyms) for w in words if w in keep) if n is not None]
                if others:
                    relaxed.append((_but_not(_or(others), literal), ANY_WORD_FACTOR * SYNONYM_FACTOR))
                # Titles carrying some of the telling words are ranked in the same pool as the all-words
                # matches rather than after them: a short guide whose title holds the two telling words of
                # a caller's sentence is not pushed below ten long replies that happen to hold every word.
                # Titles only: ranking every body with one common word of the query was the slow part. As
                # everywhere, what only a synonym finds counts half (a rare synonym would outscore the words
                # typed: 住房公积金 for 公积金).
                stage.extend((node, "title", factor) for node, factor in relaxed)
                stages.append([(node, "words", factor) for node, factor in relaxed])
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
SUGGEST_TERMS = 6
SUGGEST_MAX_DF_SHARE = 0.01
SUGGEST_CANDIDATES = 500


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
    parts = [_or(sorted(synonyms.get(t, {t}) | {t})) for t in terms]
    node = _or(parts)
    filters = _Filters(("published",), today or local_today(), None, None)
    coverage: list[tuple[Node, float]] = []
    if session.get_bind().dialect.name == "postgresql":
        n = document_count(session)
        df = document_frequencies(session, terms)
        coverage = [(part, round(idf(df[t], n), 4)) for t, part in zip(terms, parts, strict=True)]
    ranked = _run_stages(
        session,
        [[(node, "words", 1.0)]],
        filters,
        max(1, min(limit, 20)),
        candidates=SUGGEST_CANDIDATES,
        coverage=coverage,
    )
    return _hits(session, ranked, _tokens(node))
