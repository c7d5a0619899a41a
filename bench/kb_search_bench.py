"""Benchmark knowledge search on 100,000 generated articles: index build, search and suggestion latency.

Articles are stitched from real sentences of the 问政 data (titles and reply/detail sentences), so the
vocabulary and term frequencies are realistic. Prints numbers; asserts nothing.

    .venv/bin/python bench/kb_search_bench.py [--n 100000] [--backend sqlite|postgresql|both] [--breakdown]

``--breakdown`` adds, per query, the fastest of five runs split into its SQL statements (what each one
searched for and how long it took) and the Python time around them.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import logging
import random
import re
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotline.auth.models import User  # noqa: E402
from hotline.core.extensions import db  # noqa: E402
from hotline.core.scratch_db import scratch_database  # noqa: E402
from hotline.units.models import Unit  # noqa: E402
from knowledge.search import rebuild_index, search_articles, suggest_articles  # noqa: E402
from knowledge.search.tokenize import get_tokenizer  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
QUERIES = [
    "公积金提取",
    "停水",
    "停电",
    "医保报销",
    "居住证办理",
    "低保",
    "噪音扰民",
    "物业费",
    "拖欠工资",
    "学位",
    "公交",
    "违建",
    "油烟",
    "路灯",
    "社保卡",
    "养老保险",
    "落户",
    "房产证",
    "燃气",
    "幼儿园",
    "小区停车收费",
    "农民工工资",
    "安置房",
    "拆迁补偿",
    "垃圾站",
    "教师待遇",
    "出租车",
    "网约车",
    "渣土车",
    "自来水",
]


def _sentences() -> tuple[list[str], list[str], list[str]]:
    titles, sentences, details = [], [], []
    for name in ("replies.csv", "messages.csv", "unlabeled_messages.csv"):
        with (DATA / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                titles.append(" ".join(row["title"].split()))
                text = " ".join((row.get("detail") or "").split())
                if len(text) >= 100:
                    details.append(text[:100])
                for part in re.split(r"(?<=[。！？])", text + " " + " ".join((row.get("reply") or "").split())):
                    part = part.strip()
                    if 12 <= len(part) <= 80:
                        sentences.append(part)
    return titles, sentences, details


def generate(n: int, seed: int = 42) -> tuple[list[dict], list[str]]:
    """Return ``n`` article rows and 100-character ticket texts, deterministically."""
    rng = random.Random(seed)
    titles, sentences, details = _sentences()
    places = ["A市", "A1区", "A2区", "A3区", "B市", "C4县", "K8县", "F9市"]
    today = "2024-06-01"
    rows = []
    for i in range(1, n + 1):
        title = rng.choice(titles)
        title = re.sub(r"^[A-Z]\d*[市区县]", rng.choice(places), title)
        body = "".join(rng.sample(sentences, rng.randint(2, 4)))[:220]
        status = "published" if rng.random() < 0.9 else rng.choice(["draft", "expired"])
        rows.append(
            {
                "id": i,
                "title": title[:200],
                "body": f"<p>{body}</p>",
                "category": rng.choice(["住房保障", "社会保障", "城乡建设", "环境保护", "交通运输"]),
                "tags": "[]",
                "source": "bench",
                "status": status,
                "created_at": today,
                "updated_at": today,
            }
        )
    texts = [d for d in rng.sample(details, 200)]
    return rows, texts


def create_schema(engine: sa.Engine) -> None:
    spec = importlib.util.spec_from_file_location("kb_mig", ROOT / "migrations/versions/0101_knowledge.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with engine.begin() as conn:
        db.metadata.create_all(conn, tables=[Unit.__table__, User.__table__])
        ctx = MigrationContext.configure(conn, opts={"target_metadata": db.metadata})
        with Operations.context(ctx):
            module.upgrade()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def timed(fn, items, repeat: int = 3, cpu: list[float] | None = None) -> list[float]:
    """Return wall milliseconds per call; with ``cpu``, this process's CPU milliseconds are appended to it."""
    out = []
    for _ in range(repeat):
        for item in items:
            t, c = time.perf_counter(), time.process_time()
            fn(item)
            out.append((time.perf_counter() - t) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - c) * 1000)
    return out


def cpu_seconds() -> float:
    """Return CPU seconds of this process plus its finished children (the tokenising workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def breakdown(engine: sa.Engine, session: Session, queries: list[str], runs: int = 5) -> list[str]:
    """Return one line per query (slowest first): its best total, Python share, and each statement's time."""
    statements: list[tuple[float, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["kb_bench_t"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info.pop("kb_bench_t")) * 1000
        # What the statement searched for: the MATCH / tsquery parameter, else the statement's start.
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        label = next((v for v in values if isinstance(v, str) and ("{" in v or "'" in v)), statement[:40])
        statements.append((ms, " ".join(str(label).split())))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        best: dict[str, tuple[float, list[tuple[float, str]]]] = {}
        for _ in range(runs):
            for q in queries:
                statements.clear()
                t = time.perf_counter()
                search_articles(session, q)
                total = (time.perf_counter() - t) * 1000
                if q not in best or total < best[q][0]:
                    best[q] = (total, list(statements))
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    lines = []
    for q, (total, stmts) in sorted(best.items(), key=lambda kv: -kv[1][0]):
        sql = sum(ms for ms, _ in stmts)
        lines.append(f"{q}: {total:.2f} ms = sql {sql:.2f} ({len(stmts)} statements) + python {total - sql:.2f}")
        lines.extend(f"    {ms:6.2f}  {label[:110]}" for ms, label in stmts if ms >= 0.05)
    return lines


def run(backend: str, rows: list[dict], texts: list[str], *, with_breakdown: bool = False) -> dict:
    with scratch_database(None if backend == "sqlite" else PG_URL, "kb_test_bench") as url:
        engine = sa.create_engine(url)
        try:
            create_schema(engine)
            with engine.begin() as conn:
                cols = ", ".join(rows[0])
                conn.execute(
                    sa.text(f"INSERT INTO kb_articles ({cols}) VALUES ({', '.join(':' + c for c in rows[0])})"), rows
                )
            with Session(engine) as s:
                t, c = time.perf_counter(), cpu_seconds()
                rebuild_index(s, processes=2)
                s.commit()
                build = time.perf_counter() - t
                build_cpu = cpu_seconds() - c
                if backend == "postgresql":
                    s.execute(sa.text("ANALYZE"))
                    s.commit()
            with Session(engine) as s:
                for q in QUERIES:  # warm caches
                    search_articles(s, q)
                search_cpu: list[float] = []
                suggest_cpu: list[float] = []
                search_ms = timed(lambda q: search_articles(s, q), QUERIES, cpu=search_cpu)
                suggest_ms = timed(lambda x: suggest_articles(s, x), texts[:100], repeat=1, cpu=suggest_cpu)
                like = sa.text(
                    "SELECT id FROM kb_articles WHERE status = 'published' AND (title LIKE :q OR body LIKE :q) LIMIT 10"
                )
                like_ms = timed(lambda q: s.execute(like, {"q": f"%{q}%"}).all(), QUERIES)
                like_all = sa.text(
                    "SELECT count(*) FROM kb_articles WHERE status = 'published' AND (title LIKE :q OR body LIKE :q)"
                )
                like_full_ms = timed(lambda q: s.execute(like_all, {"q": f"%{q}%"}).all(), QUERIES, repeat=1)
                lines = breakdown(engine, s, QUERIES) if with_breakdown else []
            result = {
                "backend": backend,
                "articles": len(rows),
                "index_build_s": round(build, 1),
                # CPU of this process and its tokenising workers; PostgreSQL's server CPU is not included.
                "index_build_cpu_s": round(build_cpu, 1),
                "search_p50_ms": round(pct(search_ms, 50), 2),
                "search_p95_ms": round(pct(search_ms, 95), 2),
                "search_cpu_p50_ms": round(pct(search_cpu, 50), 2),
                "search_cpu_p95_ms": round(pct(search_cpu, 95), 2),
                "suggest_p50_ms": round(pct(suggest_ms, 50), 2),
                "suggest_p95_ms": round(pct(suggest_ms, 95), 2),
                "suggest_cpu_p95_ms": round(pct(suggest_cpu, 95), 2),
                "like_limit10_p50_ms": round(pct(like_ms, 50), 2),
                "like_limit10_p95_ms": round(pct(like_ms, 95), 2),
                "like_full_scan_p50_ms": round(pct(like_full_ms, 50), 2),
            }
            result["ratio_like_full_vs_search_p50"] = round(
                result["like_full_scan_p50_ms"] / result["search_p50_ms"], 1
            )
            if lines:
                result["breakdown"] = lines
            return result
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--backend", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--breakdown", action="store_true", help="per-query statement timings (best of five)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    get_tokenizer()  # load the dictionary before forking the tokenising workers
    t = time.perf_counter()
    rows, texts = generate(args.n)
    print(f"generated {len(rows)} articles in {time.perf_counter() - t:.1f}s", flush=True)
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        result = run(backend, rows, texts, with_breakdown=args.breakdown)
        lines = result.pop("breakdown", [])
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if lines:
            print(f"per-query breakdown ({backend}), slowest first:\n" + "\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
