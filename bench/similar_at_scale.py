"""并单 detection over every open ticket of a big database: the MinHash index's SQL path vs the old per-request TF-IDF.

On an existing database (e.g. 1,000,000 tickets with 50,000 open from ``flask hotline generate-history``), for
``--queries`` messages of the test split: ``dispatch.similar_index.find_similar`` (one indexed statement over
every open ticket's bands, re-scored) and, in the same run, what the code did before the index — read the newest
1,000 open tickets and build a ``SimilarityIndex`` from them on each call (and it saw only those 1,000). Prints
p50/p99 per query for both and how many open tickets each could find. Recall on the real messages:
``bench/similar_recall.py``. No assertions.

Usage: DATABASE_URL=postgresql+psycopg://…/bench_1m python bench/similar_at_scale.py [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import texts


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-similar-secret-key-0123456789")

    from sqlalchemy import func, select

    from dispatch.similar_index import find_similar, idf_table, ticket_text
    from dispatch.similarity import Candidate, SimilarityIndex
    from hotline.app import create_app
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket
    from hotline.tickets.states import OPEN

    app = create_app()
    open_states = [s.value for s in OPEN]
    queries = [f"{t} {c}" for t, c in texts(args.queries)]
    with app.app_context():
        session = db.session
        open_count = session.scalar(select(func.count()).where(Ticket.state.in_(open_states)))
        idf_table(session)  # warm, as a serving process is
        find_similar(session, queries[0], None)
        index_times, old_times, found = [], [], 0
        for text in queries:
            started = time.perf_counter()
            found += bool(find_similar(session, text, None))
            index_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            rows = session.execute(
                select(Ticket.id, Ticket.title, Ticket.content)
                .where(Ticket.state.in_(open_states))
                .order_by(Ticket.id.desc())
                .limit(1000)
            ).all()
            SimilarityIndex(Candidate(str(r.id), ticket_text(r.title, r.content)) for r in rows).query(text)
            old_times.append(time.perf_counter() - started)
            session.rollback()
    print(f"{open_count:,} open tickets; {len(queries)} queries of real messages")
    print(f"{'method':52} {'p50 ms':>8} {'p99 ms':>8} {'covers':>10}")
    print(
        f"{'MinHash bands in SQL (find_similar)':52} {pct(index_times, 0.5):8.1f} {pct(index_times, 0.99):8.1f}"
        f" {open_count:10,}"
    )
    print(
        f"{'old: TF-IDF over the newest 1,000 open, per call':52} {pct(old_times, 0.5):8.1f}"
        f" {pct(old_times, 0.99):8.1f} {min(open_count, 1000):10,}"
    )
    print(f"queries with at least one similar ticket proposed (index): {found}")


if __name__ == "__main__":
    main()
