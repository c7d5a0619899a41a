"""智能填单 and summary: per-field accuracy on the labelled sets, and latency beside a regex-only baseline.

    python bench/fill_bench.py [--heldout] [--http N]

Accuracy: classifier/data/fill_transcripts.jsonl (dev and held-out template families) and the hand-labelled
real messages of classifier/data/fill_real_labels.csv (dev and held-out halves); see FILL_LABELLING.md. The
held-out parts are printed only with ``--heldout`` (looked at once, after the rules were frozen).

Latency, in this process, alternating message by message so load from other processes falls on all alike:
- ``fill``: Filler.fill on the transcripts and on 500 real messages (title + detail);
- ``baseline``: a plain regex-only pass (mobile/fixed phone regex, "X区" district regex, first sentence as title);
- ``summary``: classifier.summary.summarize alone.
With ``--http N``: N POST /api/v1/console/fill through the app's test client (auth, JSON, the bound gazetteer)
beside N POST /api/v1/console/suggest-free baseline (GET /api/v1/auth/me), both on a temporary SQLite app.
Prints p50/p99 in ms. No assertions.
"""

from __future__ import annotations

import csv
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.fill import Filler
from classifier.fill_dataset import NOW
from classifier.fill_eval import load_real, load_transcripts, score
from classifier.model_selection import MESSAGES_CSV
from classifier.summary import summarize
from dispatch.gazetteer import AddressMatcher

FIELDS = (
    "caller_name",
    "salutation",
    "phones",
    "district",
    "street",
    "community",
    "grid",
    "times",
    "title_len_ok",
    "summary_len_ok",
)
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
_DISTRICT = re.compile(r"A\d(?=区|县|市)")


def baseline(text: str) -> dict:
    """The plain regex-only pass: what a form filler without dictionaries or spoken digits would do."""
    district = _DISTRICT.search(text)
    return {
        "phones": _PHONE.findall(text),
        "district": district.group(0) if district else "",
        "title": re.split(r"[。！？\n]", text.strip(), maxsplit=1)[0][:30],
    }


def _pct(values: list[float]) -> str:
    a = np.asarray(values) * 1000
    return f"p50 {np.percentile(a, 50):6.2f} ms  p99 {np.percentile(a, 99):6.2f} ms  max {a.max():6.2f} ms"


def accuracy(filler: Filler, heldout: bool) -> None:
    rows = load_transcripts() + load_real()
    if not heldout:
        rows = [r for r in rows if not r["family"].endswith("heldout")]
    results = score(rows, filler.fill, NOW)
    families = sorted(results)
    print(f"{'field':16s}" + "".join(f"{f:>22s}" for f in families))
    for field in FIELDS:
        cells = []
        for fam in families:
            r = results[fam]
            cells.append(f"{r[field]:.3f} (n={r[field + '_n']})" if field in r else "—")
        print(f"{field:16s}" + "".join(f"{c:>22s}" for c in cells))
    # The regex-only baseline on the same rows, for the fields it fills.
    base = {fam: {"phones": [], "district": []} for fam in families}
    for row in rows:
        b, gold = baseline(row["text"]), row["gold"]
        if "phones" in gold:
            norm = sorted(b["phones"])
            base[row["family"]]["phones"].append(norm == sorted(gold["phones"]))
        if "district" in gold:
            base[row["family"]]["district"].append(b["district"] == gold["district"])
    for field in ("phones", "district"):
        print(
            f"{'baseline ' + field:16s}"
            + "".join(f"{(sum(v) / len(v) if (v := base[f][field]) else float('nan')):>22.3f}" for f in families)
        )


def latency(filler: Filler) -> None:
    texts = [r["text"] for r in load_transcripts()]
    with MESSAGES_CSV.open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            if i >= 500:
                break
            texts.append(f"{r['title']}\n" + " ".join(r["detail"].split()))
    filler.tokenizer()  # build the tokenizer outside the timing
    wall: dict[str, list[float]] = {"fill": [], "baseline": [], "summary": []}
    cpu: dict[str, list[float]] = {"fill": [], "baseline": [], "summary": []}
    runs = (("fill", lambda t: filler.fill(t, NOW)), ("baseline", baseline), ("summary", summarize))
    for _ in range(2):
        for text in texts:
            for name, fn in runs:
                started, started_cpu = time.perf_counter(), time.thread_time()
                fn(text)
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.thread_time() - started_cpu)
    print(f"latency over {len(texts)} messages x2 (mean {np.mean([len(t) for t in texts]):.0f} chars):")
    print("  wall clock (includes waiting for the shared CPU):")
    for name, values in wall.items():
        print(f"    {name:9s} {_pct(values)}")
    print("  this thread's CPU time:")
    for name, values in cpu.items():
        print(f"    {name:9s} {_pct(values)}")


def http(n: int) -> None:
    from hotline.app import create_app
    from hotline.auth.services import create_user
    from hotline.console.fill import filler_for
    from hotline.core.extensions import db
    from hotline.units.services import create_unit

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "REDIS_URL": None,
                "HOTLINE_MODELS_DIR": tmp,
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            city = create_unit(db.session, "A", "A市", "city", None)
            create_user(db.session, "agent1", "bench-password-1", "agent", city)
            db.session.commit()
        client = app.test_client()
        token = client.post(
            "/api/v1/auth/token", json={"username": "agent1", "password": "bench-password-1"}
        ).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        texts = [r["text"] for r in load_transcripts()]
        with app.app_context():
            filler_for(db.session).tokenizer()  # warm, as after the classifier's preload
        client.post("/api/v1/console/fill", json={"text": texts[0]}, headers=headers)
        fill_t, base_t, fill_c, base_c = [], [], [], []
        for i in range(n):
            text = texts[i % len(texts)]
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.post("/api/v1/console/fill", json={"text": text}, headers=headers)
            fill_t.append(time.perf_counter() - started)
            fill_c.append(time.thread_time() - started_cpu)
            assert response.status_code == 200, response.get_json()
            started, started_cpu = time.perf_counter(), time.thread_time()
            client.get("/api/v1/auth/me", headers=headers)
            base_t.append(time.perf_counter() - started)
            base_c.append(time.thread_time() - started_cpu)
        print(f"over the app (test client), {n} requests each, wall clock then this thread's CPU time:")
        print(f"  POST /api/v1/console/fill   wall {_pct(fill_t)}")
        print(f"                              CPU  {_pct(fill_c)}")
        print(f"  GET  /api/v1/auth/me        wall {_pct(base_t)}   (baseline: auth + JSON, no work)")
        print(f"                              CPU  {_pct(base_c)}")


def main(argv: list[str]) -> None:
    matcher = AddressMatcher.from_files()
    filler = Filler(matcher, matcher.user_dictionary_words())
    accuracy(filler, "--heldout" in argv)
    latency(filler)
    if "--http" in argv:
        http(int(argv[argv.index("--http") + 1]))


if __name__ == "__main__":
    main(sys.argv[1:])
