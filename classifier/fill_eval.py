"""Score 智能填单 per field on the labelled sets (classifier/data/FILL_LABELLING.md)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from classifier.fill import FillResult
from classifier.fill_dataset import NOW
from classifier.fill_dataset import OUT as TRANSCRIPTS
from classifier.model_selection import DATA_DIR

REAL_LABELS = Path(__file__).resolve().parent / "data" / "fill_real_labels.csv"
Fill = Callable[[str, dt.datetime], FillResult]


def load_transcripts(path: Path = TRANSCRIPTS) -> list[dict[str, Any]]:
    """Return the transcript rows (text + gold)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_real(path: Path = REAL_LABELS, data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """Return the hand-labelled real messages with their text ('?' = not labelled for that field)."""
    texts: dict[tuple[str, str], str] = {}
    for source, name in (("messages", "messages.csv"), ("unlabeled", "unlabeled_messages.csv")):
        with (data_dir / name).open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                texts[(source, r["id"])] = f"{r['title']}\n" + re.sub(r"\s+", "", r["detail"])
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            gold: dict[str, Any] = {}
            if r["district"] != "?":
                gold["district"] = r["district"]
            if r["caller_name"] != "?":
                gold["caller_name"] = r["caller_name"]
            if r["phones"] != "?":
                gold["phones"] = [p for p in r["phones"].split("|") if p]
            rows.append(
                {
                    "id": f"{r['source']}-{r['id']}",
                    "family": f"real-{r['split']}",
                    "text": texts[(r["source"], r["id"])],
                    "gold": gold,
                }
            )
    return rows


def _time_hit(gold: dict[str, str], predicted: list[dict[str, Any]]) -> bool:
    return any(
        p["kind"] == gold["kind"] and p["value"] == gold["value"] and p.get("since", "") == gold["since"]
        for p in predicted
    )


def score(rows: Iterable[dict[str, Any]], fill: Fill, now: dt.datetime = NOW) -> dict[str, dict[str, Any]]:
    """Return {family: {field: accuracy, field_n: count}} plus an ``errors`` list per family."""
    hits: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    errors: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        result = fill(row["text"], now)
        gold = row["gold"]
        fam = hits[row["family"]]

        def check(field: str, ok: bool, got: Any, want: Any) -> None:
            fam[field].append(ok)  # noqa: B023 - used at once, inside this iteration
            if not ok:
                errors[row["family"]].append({"id": row["id"], "field": field, "got": got, "want": want})  # noqa: B023

        if "caller_name" in gold:
            check("caller_name", result.caller_name == gold["caller_name"], result.caller_name, gold["caller_name"])
        if "salutation" in gold:
            check("salutation", result.salutation == gold["salutation"], result.salutation, gold["salutation"])
        if "phones" in gold:
            got = [p["number"] for p in result.phones]
            check("phones", sorted(got) == sorted(gold["phones"]), got, gold["phones"])
        if "district" in gold:
            check("district", result.address.district == gold["district"], result.address.district, gold["district"])
        for field, attr in (("street", "street"), ("community", "community"), ("grid", "grid")):
            if field in gold:
                got = getattr(result.address, attr)
                check(field, got == gold[field], got, gold[field])
        for t in gold.get("times", []):
            check("times", _time_hit(t, result.times), result.times, t)
        fam["title_len_ok"].append(0 < len(result.title) <= 30)
        fam["summary_len_ok"].append(0 < len(result.summary) <= 80)
    out: dict[str, dict[str, Any]] = {}
    for family, fields in hits.items():
        out[family] = {f: sum(v) / len(v) for f, v in fields.items()} | {f"{f}_n": len(v) for f, v in fields.items()}
        out[family]["errors"] = errors[family]
    return out
