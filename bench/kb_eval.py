"""Evaluate knowledge search on (query, relevant article) pairs: recall@3 and MRR@10.

How the pairs are built (``--build`` rewrites knowledge/data/eval_pairs.csv, deterministically):
- From replies.csv, every 12th message kept by the demo seed (deduplicated by title). The query is the
  first clause of the citizen's *detail* (the first clause with at least 6 Chinese characters, cut to 20
  characters), never the message title the article is titled with; clauses contained in the title are
  skipped. The relevant article is the one seeded from that message's reply. The article body carries
  the first 200 characters of the citizen's message as context, so the clause also appears there: the
  test is whether it ranks that article above ~2,800 others on similar topics.
- Hand-written paraphrases for the guide articles, worded unlike their titles.
Nothing in the search code was tuned against these pairs.

    .venv/bin/python bench/kb_eval.py [--build] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_search_bench import PG_URL, create_schema  # noqa: E402

from knowledge.seed import reply_source, seed_demo_articles  # noqa: E402

DATA = Path("/work/shared/data")
PAIRS = ROOT / "knowledge" / "data" / "eval_pairs.csv"
GUIDE_QUERIES = [
    ("租房能不能提公积金", "租房提取住房公积金需要什么材料"),
    ("公积金买房贷款要缴存多久", "住房公积金贷款申请条件"),
    ("换工作公积金账户怎么转", "离职后住房公积金怎么转移"),
    ("住院费用医保怎么结算", "医保报销流程"),
    ("在外地看病医保能报吗", "异地就医备案与医保报销"),
    ("居民医疗保险怎么交费", "城乡居民医疗保险参保缴费"),
    ("社保卡丢了怎么补", "社保卡办理与补换"),
    ("养老金要交满多少年", "养老保险缴费年限与领取条件"),
    ("失业了能领什么补助", "失业保险金申领"),
    ("外地人怎么办居住证", "居住证办理指南"),
    ("暂住证每年签注", "居住证签注与到期续办"),
    ("身份证丢了补办", "身份证补办与异地办理"),
    ("毕业生落户条件", "户口迁移与人才落户"),
    ("家里突然停水了", "停水停电报修指南"),
    ("小区停电报修电话", "停水停电报修指南"),
    ("自来水发黄", "自来水水质浑浊发黄怎么办"),
    ("闻到煤气味", "燃气泄漏与燃气报修"),
    ("晚上施工太吵", "噪音扰民投诉处理"),
    ("楼下饭店油烟", "餐饮油烟扰民投诉"),
    ("路边摆摊占道", "占道经营与流动摊贩"),
    ("楼顶私自加建", "违章建筑举报"),
    ("物业服务不到位", "物业服务纠纷与物业费"),
    ("申请低保要什么材料", "最低生活保障申请"),
    ("公共租赁住房申请", "公租房申请条件"),
    ("老板不发工资", "拖欠工资维权"),
    ("单位不签劳动合同", "劳动合同与试用期"),
    ("孩子上小学报名", "义务教育入学报名"),
    ("宝宝出生上户口", "新生儿出生登记与落户"),
    ("买房后办房产证", "不动产权证办理"),
    ("路灯坏了不亮", "路灯不亮报修"),
    ("公交站点设置建议", "公交线路与站点建议"),
    ("出租车拒载投诉", "网约车与出租车投诉"),
]
_CLAUSE = re.compile(r"[，。！？；,!?;：:、\s]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def build_pairs() -> list[dict]:
    """Return the evaluation pairs (see module docstring)."""
    with (DATA / "replies.csv").open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["id"]))
    kept, seen = [], set()
    for row in rows:  # the same de-duplication as the seed
        title = " ".join(row["title"].split())
        if title and " ".join(row["reply"].split()) and title not in seen:
            seen.add(title)
            kept.append(row)
    pairs = []
    for row in kept[::12]:
        title = " ".join(row["title"].split())
        for clause in _CLAUSE.split(" ".join(row["detail"].split())):
            clause = clause[:20]
            if len(_CJK.findall(clause)) >= 6 and clause not in title:
                pairs.append({"query": clause, "relevant": f"reply:{row['id']}", "kind": "citizen"})
                break
    pairs += [{"query": q, "relevant": f"guide:{t}", "kind": "guide"} for q, t in GUIDE_QUERIES]
    return pairs


def evaluate(backend: str, pairs: list[dict]) -> dict:
    """Seed a fresh database, run every query and return recall@3 and MRR@10."""
    from knowledge.search import search_articles

    if backend == "sqlite":
        engine, cleanup = sa.create_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'kb_eval.sqlite'}"), None
    else:
        name = f"kb_test_eval_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine = sa.create_engine(PG_URL.rsplit("/", 1)[0] + "/" + name)

        def cleanup() -> None:
            engine.dispose()
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        create_schema(engine)
        with Session(engine) as s:
            seed_demo_articles(s, DATA)
            s.commit()
            keys = {}
            for aid, title, source in s.execute(sa.text("SELECT id, title, source FROM kb_articles")):
                keys[f"guide:{title}"] = aid
                match = re.search(r"编号 (\d+)$", source)
                if match and source == reply_source(match.group(1)):
                    keys[f"reply:{match.group(1)}"] = aid
            hit3 = rr = 0.0
            by_kind: dict[str, list[int]] = {}
            for pair in pairs:
                want = keys[pair["relevant"]]
                ids = [h.id for h in search_articles(s, pair["query"], limit=10)]
                rank = ids.index(want) + 1 if want in ids else 0
                hit3 += rank and rank <= 3
                rr += 1 / rank if rank else 0
                by_kind.setdefault(pair["kind"], []).append(rank)
        n = len(pairs)
        out = {"backend": backend, "pairs": n, "recall@3": round(hit3 / n, 3), "mrr@10": round(rr / n, 3)}
        for kind, ranks in by_kind.items():
            out[f"recall@3_{kind}"] = round(sum(1 for r in ranks if 0 < r <= 3) / len(ranks), 3)
        return out
    finally:
        if cleanup:
            cleanup()
        else:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true", help="rewrite knowledge/data/eval_pairs.csv")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql", "both"])
    args = parser.parse_args()
    if args.build:
        pairs = build_pairs()
        with PAIRS.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["query", "relevant", "kind"])
            writer.writeheader()
            writer.writerows(pairs)
        print(f"wrote {len(pairs)} pairs to {PAIRS}")
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        pairs = list(csv.DictReader(fh))
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        print(evaluate(backend, pairs))


if __name__ == "__main__":
    main()
