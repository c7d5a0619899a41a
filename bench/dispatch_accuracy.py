"""Run real messages through the demo responsibility list and print 派单准确率-style shares."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.accuracy import evaluate, load_messages
from dispatch.gazetteer import AddressMatcher, load_units
from dispatch.rules import RuleBook, load_rules

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "messages.csv"


def main(argv: list[str] | None = None) -> int:
    """Evaluate the demo list on messages.csv and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--split", default=None, help="train/test; all rows when omitted")
    args = parser.parse_args(argv)
    messages = load_messages(args.data, args.split)
    matcher = AddressMatcher.from_files()
    book = RuleBook(load_rules(), {u.code: u.name for u in load_units()})
    a_city = [m for m in messages if "A市" in m.text or matcher.district_hint(m.text)]
    started = time.perf_counter()
    overall = evaluate(messages, book, matcher)
    elapsed = time.perf_counter() - started
    local = evaluate(a_city, book, matcher)
    out = {
        "n": overall.n,
        "ms_per_message": round(elapsed * 1000 / max(overall.n, 1), 3),
        "all": overall.shares(),
        "a_city_n": local.n,
        "a_city": local.shares(),
        "top_rules": overall.by_rule.most_common(12),
        "by_label": {
            label: {k: round(v / c["n"], 3) for k, v in c.items() if k != "n"} | {"n": c["n"]}
            for label, c in sorted(overall.by_label.items())
        },
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
