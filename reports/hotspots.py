"""Hot spots: top categories and areas, week-over-week surges (Poisson z-score), and 类案 clusters.

Surge statistic: for each category, ``x`` = tickets in the 7 days ending on the period's last day and
``μ`` = the mean of the 4 weeks before; under a Poisson baseline the standard deviation is ``√μ``, so
``z = (x − μ) / √max(μ, 1)``. A category surges when ``x ≥ 5`` and ``z ≥ 2``.

类案: jieba tokens → TF-IDF (L2-normalised) → cosine similarity; tickets whose similarity is at least
``threshold`` are linked and each connected component is a candidate cluster; a component larger than
``max_size`` is split again with a threshold 0.1 higher (so one chain of loosely similar texts does not swallow
everything). Clusters of at least ``min_size`` tickets are reported with their top terms as the label.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hotline.tickets.models import Ticket
from hotline.units.models import Unit
from reports.queries import Period, in_period, subtree_ids

SURGE_MIN_COUNT = 5
SURGE_MIN_Z = 2.0
BASELINE_WEEKS = 4
MAX_CLUSTER_DOCS = 2000
_STOPWORD_TEXT = (
    "的 了 是 在 我 我们 你 您 他 她 它 和 与 及 等 有 也 就 都 而 被 对 请 问 能 要 什么 怎么 这个 那个 一个 没有 不 吗 呢 啊 "
    "把 让 给 又 还 但 但是 如果 因为 所以 已经 现在 进行 一直 这样 这些 那些 这里 可以 是否 如何 为什么 自己 "
    "反映 问题 希望 相关 部门 情况 领导 政府 关于 咨询 投诉 建议 请问 尊敬 您好 谢谢 感谢 市民 处理 解决 "
    "A市 市 区 县 年 月 日 号 个 人 后 前 时 中 上 下"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_CLEAN = re.compile(r"\s+")


def _scope_condition(scope: Unit | None) -> list:
    if scope is None:
        return []
    ids = subtree_ids(scope)
    return [(Ticket.lead_unit_id.in_(ids)) | (Ticket.handling_unit_id.in_(ids)) | (Ticket.area_unit_id.in_(ids))]


def top_categories(session: Session, period: Period, *, scope: Unit | None = None, limit: int = 10) -> list[dict]:
    """Return the categories with the most tickets registered in ``period``."""
    count = func.count(Ticket.id)
    query = (
        select(Ticket.category, count.label("n"))
        .where(in_period(Ticket.created_at, period), *_scope_condition(scope))
        .group_by(Ticket.category)
        .order_by(count.desc(), Ticket.category)
        .limit(limit)
    )
    return [{"category": r.category, "count": r.n} for r in session.execute(query)]


def top_areas(session: Session, period: Period, *, scope: Unit | None = None, limit: int = 10) -> list[dict]:
    """Return the areas (the ticket's area unit, else its address) with the most tickets in ``period``."""
    area = func.coalesce(Unit.name, Ticket.address, "未知地点")
    count = func.count(Ticket.id)
    query = (
        select(area.label("area"), count.label("n"))
        .select_from(Ticket)
        .outerjoin(Unit, Unit.id == Ticket.area_unit_id)
        .where(in_period(Ticket.created_at, period), *_scope_condition(scope))
        .group_by(area)
        .order_by(count.desc(), area)
        .limit(limit)
    )
    return [{"area": r.area, "count": r.n} for r in session.execute(query)]


def poisson_z(count: int, baseline: float) -> float:
    """Return ``(count − baseline) / √max(baseline, 1)``."""
    return (count - baseline) / math.sqrt(max(baseline, 1.0))


def explain_surge(category: str | None, count: int, baseline: float, z: float) -> str:
    """Return the surge statistic in words (Chinese)."""
    verdict = "判定为激增" if count >= SURGE_MIN_COUNT and z >= SURGE_MIN_Z else "未达激增标准"
    # Words a manager reads, not the formula: how far this week is above the usual weekly swing.
    swing = max(baseline, 1.0) ** 0.5
    return (
        f"{category or '未分类'}：本周 {count} 件，前{BASELINE_WEEKS}周平均每周 {baseline:.1f} 件，"
        f"高出平常波动幅度（约 {swing:.1f} 件）的 {z:.1f} 倍"
        f"（标准：本周至少 {SURGE_MIN_COUNT} 件且超过平常波动 {SURGE_MIN_Z:g} 倍），{verdict}"
    )


def surges(
    session: Session,
    last_day: dt.date,
    *,
    scope: Unit | None = None,
    min_count: int = SURGE_MIN_COUNT,
    min_z: float = SURGE_MIN_Z,
) -> list[dict]:
    """Return categories with ≥ ``min_count`` tickets in the week ending ``last_day``, highest z first."""
    week_starts = [
        Period(last_day - dt.timedelta(days=7 * (w + 1) - 1), last_day).start for w in range(BASELINE_WEEKS + 1)
    ]
    end = Period(last_day, last_day).end
    week = case(*((Ticket.created_at >= start, w) for w, start in enumerate(week_starts)), else_=-1)
    query = (
        select(Ticket.category, week.label("w"), func.count(Ticket.id).label("n"))
        .where(Ticket.created_at >= week_starts[-1], Ticket.created_at < end, *_scope_condition(scope))
        .group_by(Ticket.category, week)
    )
    counts: dict = {}
    for r in session.execute(query):
        counts.setdefault(r.category, [0] * (BASELINE_WEEKS + 1))[r.w] = r.n
    found = []
    for category, weeks in counts.items():
        this_week, baseline = weeks[0], sum(weeks[1:]) / BASELINE_WEEKS
        if this_week < min_count:
            continue
        z = poisson_z(this_week, baseline)
        found.append(
            {
                "category": category,
                "this_week": this_week,
                "previous_weeks": weeks[1:],
                "baseline": round(baseline, 2),
                "z": round(z, 2),
                "surge": z >= min_z,
                "explanation": explain_surge(category, this_week, baseline, z),
            }
        )
    return sorted(found, key=lambda s: -s["z"])


# --- 类案 ---------------------------------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Return the jieba tokens of ``text`` worth comparing (no stop words, digits or single characters)."""
    import jieba

    return [
        w
        for w in jieba.lcut(_CLEAN.sub(" ", text))
        if len(w) > 1
        and w not in STOPWORDS
        and not w.isdigit()
        and not w.isspace()
        and not re.fullmatch(r"[\W_A-Za-z0-9*]+", w)
    ]


@dataclass
class Cluster:
    members: list[int]  # indexes into the input
    label: str
    terms: list[str]


def _components(similar, threshold: float, indexes: list[int], max_size: int) -> list[list[int]]:
    from scipy.sparse.csgraph import connected_components

    sub = similar[indexes][:, indexes]
    sub = sub.multiply(sub >= threshold)
    _, labels = connected_components(sub, directed=False)
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(int(label), []).append(indexes[position])
    out = []
    for members in groups.values():
        if len(members) > max_size and threshold + 0.1 < 1.0:
            out.extend(_components(similar, threshold + 0.1, members, max_size))
        else:
            out.append(members)
    return out


def cluster_texts(
    texts: Sequence[str], *, threshold: float = 0.5, min_size: int = 3, max_size: int = 60, top_terms: int = 4
) -> list[Cluster]:
    """Group similar texts (see the module docstring); largest clusters first."""
    if len(texts) < min_size:
        return []
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, min_df=2, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term occurs twice: nothing is similar
        return []
    similar = (matrix @ matrix.T).tocsr()
    terms = vectorizer.get_feature_names_out()
    clusters = []
    for members in _components(similar, threshold, list(range(len(texts))), max_size):
        if len(members) < min_size:
            continue
        weights = np.asarray(matrix[members].mean(axis=0)).ravel()
        best = [str(terms[i]) for i in weights.argsort()[::-1][:top_terms] if weights[i] > 0]
        clusters.append(Cluster(sorted(members), " / ".join(best), best))
    return sorted(clusters, key=lambda c: (-len(c.members), c.members[0]))


def similar_cases(
    session: Session,
    period: Period,
    *,
    scope: Unit | None = None,
    threshold: float = 0.5,
    min_size: int = 3,
    limit: int = MAX_CLUSTER_DOCS,
) -> list[dict]:
    """Return 类案 among the (at most ``limit`` most recent) tickets registered in ``period``."""
    query = (
        select(Ticket.number, Ticket.title, Ticket.content)
        .where(in_period(Ticket.created_at, period), *_scope_condition(scope))
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    )
    rows = session.execute(query).all()
    clusters = cluster_texts([f"{r.title} {r.content}" for r in rows], threshold=threshold, min_size=min_size)
    return [
        {"label": c.label, "terms": c.terms, "size": len(c.members), "members": [rows[i].number for i in c.members]}
        for c in clusters
    ]


def hotspots(session: Session, period: Period, *, scope: Unit | None = None, limit: int = 10) -> dict:
    """Return every hot-spot view of ``period``: categories, areas, surges of its last week, 类案."""
    return {
        "period": period.to_dict(),
        "top_categories": top_categories(session, period, scope=scope, limit=limit),
        "top_areas": top_areas(session, period, scope=scope, limit=limit),
        "surges": surges(session, period.last, scope=scope),
        "clusters": similar_cases(session, period, scope=scope),
    }


def hotspots_from_csv(path: str | Path, *, threshold: float = 0.5, min_size: int = 3, top: int = 20) -> dict:
    """Run 类案 on a message-board CSV (``id,title,time,detail,upvotes``): clusters ranked by size + upvotes."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [f"{r['title']} {_CLEAN.sub(' ', r.get('detail') or '')}" for r in rows]
    clusters = cluster_texts(texts, threshold=threshold, min_size=min_size)

    def upvotes(i: int) -> int:
        value = (rows[i].get("upvotes") or "0").strip()
        return int(value) if value.isdigit() else 0

    ranked = []
    for c in clusters:
        votes = sum(upvotes(i) for i in c.members)
        times = sorted(rows[i].get("time", "") for i in c.members)
        ranked.append(
            {
                "label": c.label,
                "terms": c.terms,
                "size": len(c.members),
                "upvotes": votes,
                "heat": len(c.members) + votes,
                "first": times[0],
                "last": times[-1],
                "members": [rows[i]["id"] for i in c.members],
                "titles": [rows[i]["title"] for i in c.members[:5]],
            }
        )
    ranked.sort(key=lambda c: -c["heat"])
    return {"messages": len(rows), "clusters": ranked[:top], "cluster_count": len(ranked)}
