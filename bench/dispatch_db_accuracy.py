"""派单准确率 of ``propose_dispatch`` on real messages, with the demo list loaded in a real database.

Creates a scratch database (PostgreSQL by default: ``--database-url``; the database named there is
created and dropped), migrates it, loads the demo units and responsibility list, then proposes a unit for
every message of messages.csv with its official label as the category (what an agent confirms) and counts
how often the proposal lands on the label's department or the place's own district/street (属地), like
``dispatch.accuracy.evaluate`` does for the pure engine — and how often both agree.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from dispatch.accuracy import EXPECTED_DEPARTMENTS, load_messages
from dispatch.gazetteer import AddressMatcher, load_units
from dispatch.rules import Facts, RuleBook, load_rules

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "messages.csv"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--split", default=None, help="train/test; all rows when omitted")
    parser.add_argument("--limit", type=int, default=0, help="at most this many messages (0 = all)")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="server to create the scratch database on")
    args = parser.parse_args(argv)

    messages = load_messages(args.data, args.split)
    if args.limit:
        messages = messages[: args.limit]
    from hotline.core.scratch_db import scratch_database

    with scratch_database(args.database_url, "hotline_bench") as url:
        return _run(url, messages)


def _run(url: str, messages) -> int:
    from flask_migrate import upgrade

    from dispatch.gazetteer import DEMO_UNITS
    from dispatch.ruleset import load_demo_rules
    from dispatch.services import propose_dispatch
    from hotline.app import create_app
    from hotline.core.extensions import db
    from hotline.units.services import load_units_csv

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": None,
            "HOTLINE_BACKGROUND_SCHEDULER": False,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        load_units_csv(db.session, DEMO_UNITS)
        load_demo_rules(db.session)
        db.session.commit()
        from dispatch.services import CLASSIFY

        CLASSIFY.replaced(app, None).__enter__()  # the category is given: measure the list, not a model
        book = RuleBook(load_rules(), {u.code: u.name for u in load_units()})
        matcher = AddressMatcher.from_files()
        counts: Counter[str] = Counter()
        by_label: dict[str, Counter[str]] = {}
        by_rule: Counter[str] = Counter()
        propose_dispatch(db.session, text="预热", category="城乡建设")  # build the matcher and RuleBook once
        started = time.perf_counter()
        for m in messages:
            p = propose_dispatch(db.session, text=m.text, category=m.label)
            counts["n"] += 1
            label = by_label.setdefault(m.label, Counter())
            label["n"] += 1
            if p.unit is None:
                continue
            area = p.area or {}
            lead = p.unit["code"]
            expected = lead == EXPECTED_DEPARTMENTS.get(m.label)
            local = bool(area.get("district")) and lead in (area.get("district"), area.get("street"))
            right = expected or local
            counts["right"] += right
            label["right"] += right
            counts["specific_rule"] += not p.fallback
            counts["grid"] += p.grid is not None
            counts["transfer_110"] += p.transfer_110 is not None
            counts["area_unit"] += bool(area.get("unit"))
            by_rule[p.rule_id or "-"] += 1
            a = matcher.match(m.text)
            pure = book.match(
                Facts(
                    category=m.label,
                    text=m.text,
                    district=a.district if a else "",
                    street=a.street if a else "",
                    community=a.community if a else "",
                    grid=a.grid_code if a else "",
                )
            )
            counts["agrees_with_engine"] += bool(pure and (pure.lead_unit, pure.rule_id) == (lead, p.rule_id))
        elapsed = time.perf_counter() - started
        n = counts["n"] or 1
        out = {
            "database": db.engine.dialect.name,
            "n": counts["n"],
            "dispatch_accuracy": round(counts["right"] / n, 4),
            "specific_rule": round(counts["specific_rule"] / n, 4),
            "area_resolved": round(counts["area_unit"] / n, 4),
            "sent_to_grid": round(counts["grid"] / n, 4),
            "flagged_110": round(counts["transfer_110"] / n, 4),
            "agrees_with_pure_engine": round(counts["agrees_with_engine"] / n, 4),
            "ms_per_proposal": round(elapsed * 1000 / n, 3),
            "by_label": {
                k: {"n": c["n"], "accuracy": round(c["right"] / max(c["n"], 1), 4)} for k, c in sorted(by_label.items())
            },
            "top_rules": by_rule.most_common(10),
        }
        print(json.dumps(out, ensure_ascii=False))
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
