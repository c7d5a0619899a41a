"""``generate-history`` throughput: tickets/s with the search tokens memoised per text, beside the same writer
segmenting every ticket afresh (the baseline), in one run on one database.

Each pass writes ``--tickets`` tickets (5 % open) into the database given, one after the other, in their own
transactions (rolled back, so the database is left as it was unless ``--keep``). Prints tickets/s, CPU
seconds of this process per 1,000 tickets, and the ratio.

Usage: python bench/history_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/prof
       [--tickets 20000] [--keep]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--keep", action="store_true", help="commit what each pass wrote")
    args = parser.parse_args()

    import hotline.history.services as history
    from hotline.app import create_app
    from hotline.core.extensions import db
    from hotline.search import index
    from knowledge.search.tokenize import block_tokens

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    memoised = history.index_tickets

    def afresh(conn, rows, memo=None):  # the baseline: every ticket's text segmented anew
        return index.index_tickets(conn, rows)

    results = {}
    for label, writer in (("baseline: every text segmented", afresh), ("memoised per text", memoised)):
        history.index_tickets = writer
        block_tokens.cache_clear()  # each pass starts with jieba's block cache cold
        with app.app_context():
            started, cpu = time.perf_counter(), time.process_time()
            history.generate_history(
                db.session,
                Path(app.config["HOTLINE_DATA_DIR"]),
                tickets=args.tickets,
                open_count=args.tickets // 20,
                days=90,
            )
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            (db.session.commit if args.keep else db.session.rollback)()
            db.session.remove()
        results[label] = args.tickets / wall
        print(f"{label:32} {args.tickets / wall:8.0f} tickets/s  {cpu / args.tickets * 1000:6.2f} CPU s / 1,000")
    history.index_tickets = memoised
    base, memo = results.values()
    print(f"memoised / baseline: {memo / base:.2f}x")


if __name__ == "__main__":
    main()
