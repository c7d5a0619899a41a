"""One search API over two backends: SQLite FTS5 bm25() and PostgreSQL tsvector ranking."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

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
    index_tokens,
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
    # phrase stands for its group in the query but is not searched for itself. A synonym whose own index
    # tokens hold the word typed (住房公积金 holds 公积金) finds nothing the word does not; searched as well,
    # its rarer token would only lift the articles that have both above those that have the word typed.
    group = sorted(synonyms.get(word, set()) | {word})
    telling = [
        alt
        for alt in group
        if any(len(w) > 1 for w in query_words(alt)) and (alt == word or word not in index_tokens(alt))
    ] or [word]
    # Synonyms are matched as written: widening a synonym again by its sub-words (社会 AND 保障 AND 卡 for
    # 社会保障卡) matches a good part of the index and is slow to rank for little gain.
    return _or(_distinct([_phrase_node(alt, sub_words=alt == word) for alt in telling]))


def _distinct(alternatives: list[Node]) -> list[Node]:
    """Return OR alternatives flattened, each once (工资拖欠 and 拖欠工资's sub-words are the same AND)."""

    def key(node: Node):
        return node if isinstance(node, str) else (node[0], frozenset(map(key, node[1])))

    flat = [c for a in alternatives for c in (a[1] if isinstance(a, tuple) and a[0] == "or" else [a])]
    seen: dict = {}
    for node in flat:
        seen.setdefault(key(node), node)
    return list(seen.values())


def split_query(query: str, synonyms: dict[str, frozenset[str]]) -> list[str]:
    """Segment a query, keeping synonym phrases (老板不发工资 → 老板, 不发工资) whole, without fillers."""
    phrases = sorted((p for p in synonyms if len(p) > 1 and p in query.lower()), key=len, reverse=True)
    if not phrases:
        return query_words(query, drop_fillers=True)
    pattern = re.compile("(" + "|".join(re.escape(p) for p in phrases) + ")")
    words: list[str] = []
    for part in pattern.split(query.lower()):
        if part in synonyms:
            words.append(part)
        elif part:
            words.extend(query_words(part, drop_fillers=True))
    return list(dict.fromkeys(words))


def _tokens(node: Node) -> set[str]:
    if isinstance(node, str):
        return {node}
    return set().union(*(_tokens(child) for child in node[1]))


def _holds(node: Node, tokens: str) -> bool:
    """Tell whether an entry's space-joined index tokens (padded with spaces) satisfy a query tree."""
    if isinstance(node, str):
        return f" {node} " in tokens
    parts = (_holds(child, tokens) for child in node[1])
    return all(parts) if node[0] == "and" else any(parts)


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


# Archived replies to one citizen's message (the demo seed's 政民互动答复) answer that one case in its own
# words, and carry the citizen's message too; every other article is curated guidance written by the units
# (办事指引, 标准答复), the answer agents should read first. A curated article's text score counts this much
# more; a prior, not a filter: a reply that matches clearly better still comes first.
CASE_REPLY_CATEGORY = "政民互动答复"
CURATED_PRIOR = 2.0


def article_prior(category: str) -> float:
    """Return the static score multiplier of an article (curated guidance over archived case replies)."""
    return 1.0 if category == CASE_REPLY_CATEGORY else CURATED_PRIOR


# A search scores the best this many index entries per query before it joins them to their articles for
# filters, priors and feedback: joining every match of a common word (公交, 小区: thousands of articles)
# cost more than ranking them. When filters leave fewer than the page needs and more entries matched, the
# query runs again unbounded.
RANK_CANDIDATES = 200

# The read connection's page cache and memory map (SQLite): the 200 candidates of a query are joined to
# kb_articles rows all over the table, and with SQLite's default 2 MB cache each lookup was a read() of a
# page the OS already had. Per connection; the map shares the OS page cache.
SQLITE_CACHE_KIB = 65_536
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def _prepare(session: Session) -> bool:
    """Return whether the session is on PostgreSQL; on SQLite, size the connection's cache once."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return True
    info = conn.connection.info  # kept with the DB-API connection across pool checkouts
    if not info.get("kb_search_pragmas"):
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        conn.exec_driver_sql(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        info["kb_search_pragmas"] = True
    return False


def _ranked(
    session: Session,
    pg: bool,
    node: Node,
    field: str,
    filters: _Filters,
    pool: int,
    candidates: int | None = None,
    coverage: Sequence[tuple[Node, float]] = (),
) -> list[tuple[int, float, int, int, _Shown]]:
    """Return (id, score, helpful, unhelpful, shown) for the best ``pool`` matches of one query tree.

    The score is the text score times the article's static prior (``article_prior``). With ``candidates``,
    only that many matching entries are scored, in no order (a bound for suggestion queries).
    """
    k = None if candidates else max(RANK_CANDIDATES, pool * 4)
    rows, matched = _ranked_once(session, pg, node, field, filters, pool, k, candidates, coverage)
    if k and len(rows) < pool and matched >= k and _match_count(session, pg, node, field) > k:
        rows, _ = _ranked_once(session, pg, node, field, filters, pool, None, None, coverage)
    return rows


def _match_count(session: Session, pg: bool, node: Node, field: str) -> int:
    if pg:
        column = _PG_COLUMNS[field][0]
        sql = f"SELECT count(*) FROM kb_search_docs WHERE {column} @@ CAST(:q AS tsquery)"
        return session.execute(sql_text(sql), {"q": _tsquery(node)}).scalar() or 0
    sql = "SELECT count(*) FROM kb_search_fts WHERE kb_search_fts MATCH :q"
    return session.execute(sql_text(sql), {"q": _fts5_query(node, field)}).scalar() or 0


# What each field of a query searches: FTS5 column filter, PostgreSQL (tsvector matched, tsvector ranked).
# "title_ranked_by_all": articles whose title matches, ranked by title and body (a title hit counts twice).
_FTS5_COLUMNS = {"words": "{title body}", "title": "{title}", "grams": "{grams}"}
_PG_COLUMNS = {
    "words": ("tsv", "tsv"),
    "title": ("title", "title"),
    "title_ranked_by_all": ("title", "tsv"),
    "grams": ("grams", "grams"),
}


def _fts5_query(node: Node, field: str) -> str:
    if field == "title_ranked_by_all":
        return f"{{title}} : {_fts5(node)} AND {{title body}} : {_fts5(node)}"
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
) -> tuple[list[tuple[int, float, int, int, _Shown]], int]:
    """Return the best ``pool`` rows and how many index entries were ranked (at most ``k``)."""
    limit = int(candidates or k or -1)
    if pg:
        matched, ranked = _PG_COLUMNS[field]
        # ts_rank barely rewards an OR query's extra matches; with ``coverage`` each matched part adds its
        # weight (idf), so the article covering most of a ticket's telling words comes first.
        extra = "".join(
            f" + CASE WHEN d.{ranked} @@ CAST(:cov{i} AS tsquery) THEN {float(w)} ELSE 0 END"
            for i, (_, w) in enumerate(coverage)
        )
        # ts_rank of an OR query averages over every lexeme in it: a word's synonyms would dilute the score
        # of each article that has some of them. Scaled back to an average over the OR's parts (the words).
        scale = len(_tokens(node)) / len(node[1]) if isinstance(node, tuple) and node[0] == "or" else 1.0
        score = f"ts_rank(d.{ranked}, CAST(:q AS tsquery), 1) * {scale:.6f}{extra}"
        if candidates:
            inner = (
                f"SELECT d.article_id AS id, {score} AS score FROM (SELECT article_id, {ranked} FROM kb_search_docs "
                f"WHERE {matched} @@ CAST(:q AS tsquery) LIMIT {limit}) d"
            )
        else:
            inner = (
                f"SELECT d.article_id AS id, {score} AS score FROM kb_search_docs d "
                f"WHERE d.{matched} @@ CAST(:q AS tsquery) ORDER BY score DESC, d.article_id"
            )
            inner += f" LIMIT {limit}" if k else ""
        params = {"q": _tsquery(node)} | {f"cov{i}": _tsquery(part) for i, (part, _) in enumerate(coverage)}
    else:
        # bm25() as a column sorted inside the subquery: only the best k entries are joined to their
        # articles (an outer ORDER BY over the join would rank every match). The function is cheaper than
        # ``rank MATCH 'bm25(...)' ORDER BY rank``, which also ranks every match.
        weights = f"{TITLE_WEIGHT}, 1.0, 1.0"
        order = "" if candidates else " ORDER BY score DESC"
        inner = (
            f"SELECT rowid AS id, -bm25(kb_search_fts, {weights}) AS score FROM kb_search_fts "
            f"WHERE kb_search_fts MATCH :q{order} LIMIT {limit}"
        )
        params = {"q": _fts5_query(node, field)}
    # The prior multiplies inside SQL so only ``pool`` rows come back; the last row counts the entries
    # ranked, so that a truncated ranking is known without counting the matches again.
    prior = f"(CASE WHEN a.category = '{CASE_REPLY_CATEGORY}' THEN 1.0 ELSE {CURATED_PRIOR} END)"
    sql = (
        f"WITH m AS MATERIALIZED ({inner}), "
        f"best AS (SELECT a.id, m.score * {prior} AS score, a.helpful_count, a.unhelpful_count, a.updated_at, "
        f"a.unit_id FROM m JOIN kb_articles a ON a.id = m.id WHERE {filters.sql()} ORDER BY score DESC, a.id "
        "LIMIT :pool) "
        "SELECT best.id, best.score, best.helpful_count, best.unhelpful_count, best.updated_at, best.unit_id, u.name "
        "FROM best LEFT JOIN units u ON u.id = best.unit_id "
        "UNION ALL SELECT NULL, count(*), NULL, NULL, NULL, NULL, NULL FROM m"
    )
    stmt = sql_text(sql).bindparams(bindparam("statuses", expanding=True), bindparam("today", type_=Date))
    rows = session.execute(stmt, {**filters.params(), **params, "pool": pool}).all()
    matched_count = next(int(r[1]) for r in rows if r[0] is None)
    best = sorted(
        ((r[0], float(r[1]), r[2], r[3], _Shown(r[4], r[5], r[6])) for r in rows if r[0] is not None),
        key=lambda r: (-r[1], r[0]),
    )
    return best, matched_count


def feedback_boost(helpful: int, unhelpful: int) -> float:
    """Return the bounded score multiplier earned by agents' helpful/not-helpful votes."""
    net = (helpful - unhelpful) / (helpful + unhelpful + FEEDBACK_PRIOR)
    return 1.0 + FEEDBACK_MAX_BOOST * net


# A synonym stands for the word typed. bm25 weighs each word by its own rarity, so a rarer synonym (暂住证
# for 居住证) would rank the articles that have it above those that have the word typed. An article found
# through a synonym instead of a word typed therefore counts what the word typed would have been worth
# (the ratio of their idf, at most 1) and this factor besides: of two equally rare words, the one typed
# comes first.
SYNONYM_FACTOR = 0.9

# An article matching only some of a query's words (the any-word queries) counts this much: missing words
# are a sign it answers another question, beyond the smaller bm25 sum of the words it has.
ANY_WORD_FACTOR = 0.5


@dataclass(frozen=True)
class _Group:
    """A word typed and its synonyms, as searched: what a match through each synonym is worth (≤ 1)."""

    literal: Node
    synonyms: tuple[tuple[Node, float], ...]

    def factor(self, tokens: str) -> float:
        """Return the multiplier of an entry (its tokens padded by spaces) for how it matched this word."""
        if not self.synonyms or _holds(self.literal, tokens):
            return 1.0
        worth = [w for node, w in self.synonyms if _holds(node, tokens)]
        return SYNONYM_FACTOR * max(worth) if worth else 1.0


@dataclass(frozen=True)
class _Query:
    """One query of a stage: a tree searched in a field, its score multiplied by ``factor``."""

    node: Node
    field: str
    factor: float = 1.0
    # The words of the tree: an entry that has a synonym instead of the word typed counts less.
    groups: tuple[_Group, ...] = ()
    # Run only when the stage's first query did not fill the "page" (the articles asked for) or the "pool"
    # (the most it returns); "" always.
    unless_first_fills: str = ""

    @property
    def has_synonyms(self) -> bool:
        return any(g.synonyms for g in self.groups)


# One stage: queries whose results are merged (an article keeps its best score) before the next stage.
Stage = list[_Query]


def _entry_tokens(session: Session, pg: bool, ids: Sequence[int]) -> dict[int, str]:
    """Return the index tokens of entries, space-joined and padded (for ``_holds``)."""
    if pg:
        sql = "SELECT article_id, array_to_string(tsvector_to_array(tsv), ' ') FROM kb_search_docs WHERE article_id IN :ids"
    else:
        sql = "SELECT rowid, title || ' ' || body FROM kb_search_fts WHERE rowid IN :ids"
    stmt = sql_text(sql).bindparams(bindparam("ids", expanding=True))
    return {r[0]: f" {r[1]} " for r in session.execute(stmt, {"ids": list(ids)})}


def _run_stages(
    session: Session,
    pg: bool,
    stages: list[Stage],
    filters: _Filters,
    limit: int,
    *,
    candidates: int | None = None,
    coverage: Sequence[tuple[Node, float]] = (),
) -> list[tuple[int, float, _Shown]]:
    """Run stages in order, each filling the places the previous ones left, feedback-boosted."""
    found: dict[int, float] = {}
    shown: dict[int, _Shown] = {}
    pool = max(limit * 3, 30)
    for stage in stages:
        if len(found) >= limit:
            break
        results: list[tuple[_Query, list[tuple[int, float, int, int, _Shown]]]] = []
        for query in stage:
            if results and query.unless_first_fills:
                full = limit if query.unless_first_fills == "page" else pool
                if len(results[0][1]) >= full:
                    continue
            results.append((query, _ranked(session, pg, query.node, query.field, filters, pool, candidates, coverage)))
        # Which words an article has as typed: one read of the candidates' tokens for the whole stage. The
        # synonym discount applies to each query's pool (3x the page) after its SQL cut: an article below the
        # cut could reach the page only if most of the pool had come through synonyms.
        check = {aid for query, rows in results if query.has_synonyms for aid, *_ in rows if aid not in found}
        tokens = _entry_tokens(session, pg, sorted(check)) if check else {}
        merged: dict[int, float] = {}
        for query, rows in results:
            for aid, score, helpful, unhelpful, version in rows:
                if aid in found:
                    continue
                shown[aid] = version
                score *= query.factor * feedback_boost(helpful, unhelpful)
                if query.has_synonyms:
                    entry = tokens.get(aid, "")
                    for group in query.groups:
                        score *= group.factor(entry)
                merged[aid] = max(score, merged.get(aid, 0.0))
        best = sorted(merged.items(), key=lambda pair: (-pair[1], pair[0]))
        for aid, score in best[: limit - len(found)]:
            found[aid] = score
    return [(aid, score, shown[aid]) for aid, score in found.items()]


@dataclass(frozen=True)
class _Shown:
    """What the ranking reads of an article for its hit, beside the score: its version and its unit."""

    updated_at: object  # the key of the article's cached text: any edit sets it anew
    unit_id: int | None
    unit: str | None


SHOWN_TEXTS = 4096  # articles whose title and text a process keeps (the whole demo knowledge base: 2,797)
_texts: OrderedDict[tuple[int, object], tuple[str, str, str, str]] = OrderedDict()
_texts_lock = threading.Lock()


def _hits(session: Session, ranked: list[tuple[int, float, _Shown]], marks: set[str]) -> list[SearchHit]:
    """Return the hits of ``ranked``. Their title and text are kept per process by (article, updated_at):
    suggestions show the same few hundred articles all day, and any edit gives an article a new key, so the
    fetch after the ranking (a statement per intake and keystroke) is made only for an article not seen yet."""
    if not ranked:
        return []
    keys = [(aid, version.updated_at) for aid, _, version in ranked]
    known = {key: _texts.get(key) for key in keys}  # held here: the fetch may yield to a request that evicts
    by_id: dict[int, tuple[str, str, str, str]] = {}
    missing = [aid for aid, stamp in keys if known[(aid, stamp)] is None]
    if missing:
        stmt = sql_text(
            "SELECT id, title, body, status, category, updated_at FROM kb_articles WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        fetched = {}
        for r in session.execute(stmt, {"ids": missing}):
            fetched[(r[0], r[5])] = by_id[r[0]] = (r[1], html_to_text(r[2]), r[3], r[4] or "")
        with _texts_lock:
            _texts.update(fetched)
            while len(_texts) > SHOWN_TEXTS:
                _texts.popitem(last=False)
    hits = []
    for (aid, score, version), key in zip(ranked, keys, strict=True):
        # An article edited between the ranking and the fetch comes back under its new key: show it as read.
        title, text, status, category = known[key] or by_id[aid]
        snippet = highlight(text, marks)
        hits.append(SearchHit(aid, title, snippet, status, round(score, 6), category, version.unit, version.unit_id))
    return hits


# The any-word queries rank by the words that tell articles apart: a word in more than this share of the
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


def _groups(session: Session, words: list[str], synonyms: dict[str, frozenset[str]]) -> list[tuple[Node, _Group]]:
    """Return each word's search tree (the word or its synonyms) and its ``_Group``."""

    def alternatives(node: Node) -> list[Node]:
        return node[1] if isinstance(node, tuple) and node[0] == "or" else [node]

    trees = [(_word_node(w, synonyms), _word_node(w, {})) for w in words]
    # The synonyms of a word: its tree's alternatives other than the word's own (a compound's sub-words).
    synonym_lists = [
        [c for c in alternatives(tree) if c not in alternatives(literal)] if tree != literal else []
        for tree, literal in trees
    ]
    tokens = set(words).union(*(_tokens(alt) for alts in synonym_lists for alt in alts))
    n = document_count(session)
    df = document_frequencies(session, tokens)
    out = []
    for word, (tree, literal), alts in zip(words, trees, synonym_lists, strict=True):
        # A word missing from the index is worth the most: any synonym then counts fully. (Counts read a
        # moment apart may disagree: idf is kept positive.)
        typed = max(idf(df[word], n), 1e-6) if df[word] else float("inf")
        worth = tuple((alt, min(1.0, typed / max(idf(min(df[t] for t in _tokens(alt)), n), 1e-6))) for alt in alts)
        out.append((tree, _Group(literal, worth)))
    return out


def _word_stages(session: Session, words: list[str], synonyms: dict[str, frozenset[str]]) -> list[Stage]:
    """Return the stages of a query's words (each word searched with its synonyms)."""
    groups = _groups(session, words, synonyms)
    if len(words) == 1:
        # One word: articles carrying it in the title come first, then the others. A common word (公交) is
        # in thousands of articles; ranking only the titles that carry it keeps this fast.
        tree, group = groups[0]
        return [[_Query(tree, "title", groups=(group,))], [_Query(tree, "words", groups=(group,))]]
    # Every word (each as typed or through a synonym) in the title or body; with them, in the same pool,
    # the articles whose title carries some of the telling words, ranked by title and body: a short guide
    # whose title holds the two telling words of a caller's sentence is not pushed below ten long replies
    # that happen to hold every word. When few articles have every word (a caller's sentence rather than
    # a keyword), any telling word in the body competes as well; otherwise it only fills a short page.
    keep = _telling_words(session, words)
    some = [(tree, group) for w, (tree, group) in zip(words, groups, strict=True) if w in keep]
    every = _Query(_and([t for t, _ in groups]), "words", groups=tuple(g for _, g in groups))
    any_word = _Query(_or([t for t, _ in some]), "words", ANY_WORD_FACTOR, tuple(g for _, g in some))
    return [
        [
            every,
            replace(any_word, field="title_ranked_by_all", unless_first_fills="pool"),
            replace(any_word, unless_first_fills="page"),
        ],
        [any_word],
    ]


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
    pg = _prepare(session)
    filters = _Filters(tuple(statuses), today or local_today(), category, unit_id)
    stages = _word_stages(session, words, synonyms) if words else []
    if grams and len(query) <= SHORT_QUERY_CHARS:
        stages.append([_Query(_or(grams), "grams")])
    ranked = _run_stages(session, pg, stages, filters, limit)
    marks = set(words)
    for stage in stages:
        for item in stage:
            marks |= _tokens(item.node)
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
    pg = _prepare(session)
    filters = _Filters(("published",), today or local_today(), None, None)
    coverage: list[tuple[Node, float]] = []
    if pg:
        n = document_count(session)
        df = document_frequencies(session, terms)
        coverage = [(part, round(idf(df[t], n), 4)) for t, part in zip(terms, parts, strict=True)]
    ranked = _run_stages(
        session,
        pg,
        [[_Query(node, "words")]],
        filters,
        max(1, min(limit, 20)),
        candidates=SUGGEST_CANDIDATES,
        coverage=coverage,
    )
    return _hits(session, ranked, _tokens(node))
