"""Benchmark the reports on 1,000,000 tickets in a throw-away PostgreSQL database.

    .venv/bin/python bench/reports_bench.py [--tickets 1000000] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--keep]

Creates ``reports_bench``, migrates it, COPYs tickets (+ one 派单 event per dispatched ticket, approved returns,
callbacks), then times each report against a naive version (ORM objects and Python loops / per-unit queries)
in the same run. Targets: backlog and rates for a month ≤ 2 s, hot spots ≤ 5 s, a 50,000-row ledger export ≤ 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text

DB_NAME = "reports_bench"
TZ8 = dt.timezone(dt.timedelta(hours=8))
TEXTS = [
    "{p}路灯不亮晚上很黑",
    "{p}小区工地夜间施工噪音扰民",
    "{p}占道经营堵塞交通",
    "{p}垃圾清运不及时有异味",
    "{p}公交站台破损无人维修",
    "{p}小区停车收费不合理",
    "{p}学校周边交通拥堵",
    "{p}供暖温度不达标",
    "{p}自来水水质浑浊发黄",
    "{p}拖欠农民工工资",
    "{p}违章搭建影响采光",
    "{p}餐馆油烟扰民",
]
PLACES = ["东风路", "解放路", "人民路", "幸福小区", "和平里", "建设街", "光明村", "朝阳社区", "滨河苑", "星沙大道"]
CATEGORIES = ["CX.01", "CX.02", "HB.01", "HB.02", "JT.01", "JT.02", "LD.01", "JY.01", "WS.01", "SM.01"]
OPEN_STATES = [
    "dispatched",
    "accepted",
    "accepted",
    "accepted",
    "suspended",
    "replied",
    "callback_due",
    "disputed",
    "registered",
    "return_requested",
]


def log(message: str) -> None:
    print(message, flush=True)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def copy_rows(conn, table: str, columns: list[str], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(pg, n: int, now: dt.datetime, seed: int = 12345) -> dict:
    """COPY ``n`` tickets spread over two years with events and callbacks; return counts."""
    rnd = random.Random(seed)
    with pg.cursor() as cur:
        cur.execute(
            "INSERT INTO units (code, name, kind, parent_id, path, active) VALUES ('C', '市', 'city', NULL, '/C/', true) RETURNING id"
        )
        city = cur.fetchone()[0]
        units = []
        for d in range(16):
            code = f"D{d:02d}"
            cur.execute(
                "INSERT INTO units (code, name, kind, parent_id, path, active) VALUES (%s, %s, 'district', %s, %s, true) RETURNING id",
                (code, f"第{d + 1}区", city, f"/C/{code}/"),
            )
            did = cur.fetchone()[0]
            units.append((did, code))
            for s in range(10):
                scode = f"{code}-{s:02d}"
                cur.execute(
                    "INSERT INTO units (code, name, kind, parent_id, path, active) VALUES (%s, %s, 'street', %s, %s, true) RETURNING id",
                    (scode, f"第{d + 1}区第{s + 1}街道", did, f"/C/{code}/{scode}/"),
                )
                units.append((cur.fetchone()[0], scode))
    day = dt.timedelta(days=1)
    span = 730
    tickets, events, callbacks = [], [], []
    counts = Counter()
    ticket_cols = [
        "id",
        "number",
        "channel",
        "title",
        "content",
        "address",
        "category",
        "kind",
        "urgency",
        "is_enterprise",
        "is_business_env",
        "is_direct",
        "state",
        "area_unit_id",
        "lead_unit_id",
        "handling_unit_id",
        "created_at",
        "updated_at",
        "dispatched_at",
        "accepted_at",
        "replied_at",
        "closed_at",
        "dispatch_due",
        "accept_due",
        "reply_due",
        "callback_due_at",
        "dispatch_started_at",
        "reply_started_at",
        "deadline_clocks",
        "warning",
        "extension_count",
        "rework_count",
        "return_count",
        "urge_count",
        "supervised",
        "callback_attempts",
        "accepted_on_time",
        "replied_on_time",
        "is_final_reply",
        "dispute_upheld",
        "version",
        "merged_into_id",
    ]
    event_cols = ["ticket_id", "action", "actor_role", "from_state", "to_state", "data", "created_at"]
    callback_cols = [
        "ticket_id",
        "unit_id",
        "attempt",
        "unreachable",
        "contacted",
        "resolved",
        "satisfaction",
        "created_at",
    ]
    seq = Counter()

    def flush() -> None:
        copy_rows(pg, "tickets", ticket_cols, tickets)
        copy_rows(pg, "ticket_events", event_cols, events)
        copy_rows(pg, "ticket_callbacks", callback_cols, callbacks)
        tickets.clear(), events.clear(), callbacks.clear()

    for tid in range(1, n + 1):
        created = now - dt.timedelta(seconds=rnd.random() * span * 86400)
        local_day = created.astimezone(TZ8).strftime("%Y%m%d")
        seq[local_day] += 1
        age = (now - created) / day
        if age > 60:
            state = rnd.choices(["closed", "merged", "transferred", "open"], [96, 1, 1, 2])[0]
            state = "closed" if state == "merged" and tid == 1 else state
        else:
            state = "closed" if rnd.random() < 0.5 else "open"
        if state == "open":
            state = rnd.choice(OPEN_STATES)
        unit_id, code = rnd.choice(units)
        place = rnd.choice(PLACES)
        content = rnd.choice(TEXTS).format(p=place)
        dispatched = state not in ("registered", "merged", "transferred")
        on_call = state == "closed" and rnd.random() < 0.1
        dispatched = dispatched and not on_call
        dispatched_at = created + dt.timedelta(hours=rnd.uniform(0.2, 3)) if dispatched else None
        accept_due = dispatched_at + dt.timedelta(days=1) if dispatched else None
        accepted_at = (
            dispatched_at + dt.timedelta(hours=rnd.uniform(0.5, 30))
            if dispatched and state not in ("dispatched", "return_requested")
            else None
        )
        reply_due = dispatched_at + dt.timedelta(days=rnd.choice([5, 7, 21])) if dispatched else None
        replied = state in ("replied", "callback_due", "disputed", "closed") and dispatched
        replied_at = accepted_at + dt.timedelta(days=rnd.uniform(0.5, 20)) if replied and accepted_at else None
        closed_at = None
        if state in ("closed", "merged", "transferred"):
            closed_at = (replied_at or created) + dt.timedelta(days=rnd.uniform(0.1, 3))
        if closed_at and closed_at > now:
            closed_at = now
        if replied_at and replied_at > now:
            replied_at = now
        rework = rnd.choices([0, 1, 2, 3], [90, 6, 3, 1])[0] if dispatched else 0
        final = dispatched and rnd.random() < 0.01
        upheld = state == "closed" and dispatched and rnd.random() < 0.01
        lead = unit_id if dispatched else None
        tickets.append(
            (
                tid,
                f"{local_day}{seq[local_day]:06d}",
                "phone",
                content[:40],
                content,
                f"{place}{rnd.randint(1, 400)}号",
                rnd.choice(CATEGORIES),
                rnd.choice(["consult", "help", "complaint"]),
                "normal",
                False,
                False,
                False,
                state,
                unit_id,
                lead,
                lead,
                created,
                closed_at or created,
                dispatched_at,
                accepted_at,
                replied_at,
                closed_at,
                created + dt.timedelta(hours=2),
                accept_due,
                reply_due,
                replied_at + dt.timedelta(days=2) if replied_at else None,
                created,
                dispatched_at,
                "{}",
                "none",
                0,
                rework,
                0,
                0,
                False,
                0,
                (accepted_at <= accept_due) if accepted_at else None,
                (replied_at <= reply_due) if replied_at else None,
                final,
                upheld,
                1,
                1 if state == "merged" else None,
            )
        )
        if dispatched:
            events.append(
                (tid, "dispatch", "dispatcher", "registered", "dispatched", json.dumps({"unit": code}), dispatched_at)
            )
            counts["events"] += 1
            if rnd.random() < 0.02:
                _, other_code = rnd.choice(units)
                events.append(
                    (
                        tid,
                        "approve_return",
                        "dispatcher",
                        "return_requested",
                        "registered",
                        json.dumps({"returned_by": other_code}),
                        dispatched_at - dt.timedelta(minutes=30),
                    )
                )
                counts["events"] += 1
        if state == "closed" and dispatched and replied_at:
            satisfaction = rnd.choices(
                ["very_satisfied", "satisfied", "basically_satisfied", "unsatisfied"], [50, 30, 12, 8]
            )[0]
            unreachable = rnd.random() < 0.05
            callbacks.append(
                (
                    tid,
                    lead,
                    1,
                    unreachable,
                    not unreachable,
                    None if unreachable else rnd.random() < 0.85,
                    None if unreachable else satisfaction,
                    closed_at,
                )
            )
            counts["callbacks"] += 1
        counts[state] += 1
        if len(tickets) >= 50_000:
            flush()
    flush()
    with pg.cursor() as cur:
        cur.execute("SELECT setval('tickets_id_seq', %s)", (n,))
        cur.execute("ANALYZE")
    pg.commit()
    return dict(counts)


# --- naive versions -----------------------------------------------------------------------------------------


def naive_backlog(session, period, now):
    """ORM objects of the month's open tickets, reasons computed in Python (one address query per ticket)."""
    from sqlalchemy import func

    from hotline.tickets.deadlines import running_deadlines
    from hotline.tickets.models import Ticket
    from reports.backlog import OPEN_STATES as BACKLOG_STATES

    rows = []
    tickets = session.scalars(select(Ticket).where(Ticket.created_at >= period.start, Ticket.created_at < period.end))
    for t in tickets:
        if t.state not in BACKLOG_STATES:
            continue
        repeat = (
            session.scalar(
                select(func.count(Ticket.id)).where(
                    Ticket.address == t.address, Ticket.created_at >= now - dt.timedelta(days=90)
                )
            )
            >= 3
        )
        late = any(d.due_at < now for d in running_deadlines(t))
        unit = t.handling_unit or t.lead_unit
        rows.append((t.number, unit.code if unit else None, late, repeat))
    return rows


def naive_rates(session, period, now):
    """Per-unit queries over ORM objects, counted in Python."""
    from hotline.tickets.models import SATISFIED_LEVELS, Ticket, TicketCallback, TicketEvent
    from hotline.units.models import Unit

    out = {}
    for unit in session.scalars(select(Unit)):
        c = Counter()
        for e in session.scalars(
            select(TicketEvent).where(
                TicketEvent.action.in_(["dispatch", "approve_return"]),
                TicketEvent.created_at >= period.start,
                TicketEvent.created_at < period.end,
            )
        ):
            if e.action == "dispatch" and e.data.get("unit") == unit.code:
                c["dispatched"] += 1
            elif e.action == "approve_return" and e.data.get("returned_by") == unit.code:
                c["returns"] += 1
        for cb in session.scalars(
            select(TicketCallback).where(
                TicketCallback.unit_id == unit.id,
                TicketCallback.created_at >= period.start,
                TicketCallback.created_at < period.end,
            )
        ):
            if not cb.unreachable:
                c["valid"] += 1
                c["satisfied"] += cb.satisfaction in SATISFIED_LEVELS
        for t in session.scalars(
            select(Ticket).where(
                Ticket.lead_unit_id == unit.id, Ticket.closed_at >= period.start, Ticket.closed_at < period.end
            )
        ):
            c["closed"] += t.state == "closed"
            c["reworked"] += t.state == "closed" and t.rework_count > 0
        out[unit.code] = c
        session.expunge_all()
    return out


def naive_hotspots(session, period):
    """Every ticket of the month as an ORM object, counted in Python."""
    from hotline.tickets.models import Ticket

    cats, areas = Counter(), Counter()
    for t in session.scalars(select(Ticket).where(Ticket.created_at >= period.start, Ticket.created_at < period.end)):
        cats[t.category] += 1
        areas[t.area_unit.name if t.area_unit else t.address] += 1
    return cats.most_common(10), areas.most_common(10)


def naive_export(rows):
    """A normal (not write-only) workbook with per-cell styling and widths measured from the data."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    sheets = defaultdict(list)
    for r in rows:
        sheets[r["unit"]["name"] if r["unit"] else "未派单"].append(r)
    for name, items in sheets.items():
        ws = wb.create_sheet(name[:28])
        ws.append(["工单编号", "标题", "单位", "分类", "天数", "账龄", "原因", "状态"])
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
        for r in items:
            ws.append(
                [
                    r["number"],
                    r["title"],
                    name,
                    r["category"],
                    r["age_days"],
                    r["age_bucket"],
                    "、".join(r["reasons"]),
                    r["state"],
                ]
            )
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = max(len(str(c.value or "")) for c in column) + 2
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    url = args.admin_url.rsplit("/", 1)[0] + "/" + DB_NAME
    try:
        run(url, args.tickets)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, n: int) -> None:
    import psycopg
    from flask_migrate import upgrade

    from hotline.app import create_app
    from hotline.core.extensions import db
    from reports import exports, ledger
    from reports.backlog import backlog_rows
    from reports.hotspots import hotspots
    from reports.queries import Period
    from reports.rates import compute_rates

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "HOTLINE_BACKGROUND_SCHEDULER": False,
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as pg:
        seconds, counts = timed(generate, pg, n, now)
    log(f"generated {n:,} tickets in {seconds:.1f} s: {counts}")

    today = now.astimezone(TZ8).date()
    month = Period(today - dt.timedelta(days=29), today)
    results = []

    def compare(name: str, target: float, fast, naive) -> None:
        fast_s, fast_result = timed(fast)
        fast_s2, _ = timed(fast)  # warm cache: report the better of two runs
        naive_s, _ = timed(naive)
        best = min(fast_s, fast_s2)
        results.append((name, best, naive_s, target))
        log(
            f"{name:<34} {best:7.2f} s (target ≤ {target:g} s, {'OK' if best <= target else 'SLOW'})   "
            f"naive {naive_s:8.2f} s   ×{naive_s / best:,.1f}   [{fast_result}]"
        )

    with app.app_context():
        s = db.session
        compare(
            "backlog ledger, one month",
            2,
            lambda: len(backlog_rows(s, now=now, period=month)),
            lambda: len(naive_backlog(s, month, now)),
        )
        s.expunge_all()
        compare(
            "rates by unit, one month",
            2,
            lambda: len(compute_rates(s, month, now=now)["rows"]),
            lambda: len(naive_rates(s, month, now)),
        )
        s.expunge_all()
        compare(
            "hot spots (+类案 of 2,000), one month",
            5,
            lambda: len(hotspots(s, month)["clusters"]),
            lambda: len(naive_hotspots(s, month)),
        )
        s.expunge_all()
        supervisor = None
        from hotline.auth.models import User
        from hotline.units.models import Unit

        city = s.scalar(select(Unit).where(Unit.code == "C"))
        supervisor = User(username="bench_sup", display_name="督办", password_hash="x", role="supervisor", unit=city)
        s.add(supervisor)
        s.flush()
        snap_s, campaign = timed(ledger.create_campaign, s, "基准测试", today, None, supervisor, now=now)
        s.commit()
        log(f"campaign snapshot of {campaign.backlog_at_start:,} open tickets: {snap_s:.2f} s")
        rows = ledger.ledger_rows(s, campaign)[:50_000]
        clearance = ledger.unit_clearance(s, campaign)

        def fast_export() -> int:
            data = exports.ledger_workbook(ledger.campaign_to_dict(campaign), rows, clearance, generated_at=now)
            return len(data)

        fast_s, size = timed(fast_export)
        naive_s, _ = timed(naive_export, rows)
        results.append(("excel export, 50,000-row ledger", fast_s, naive_s, 30))
        log(
            f"{'excel export, 50,000-row ledger':<34} {fast_s:7.2f} s (target ≤ 30 s, {'OK' if fast_s <= 30 else 'SLOW'})"
            f"   naive {naive_s:8.2f} s   ×{naive_s / fast_s:,.1f}   [{size:,} bytes, {len(rows):,} rows]"
        )
        db.session.remove()
        db.engine.dispose()
    log(
        json.dumps(
            [
                {"report": r[0], "seconds": round(r[1], 3), "naive_seconds": round(r[2], 3), "target": r[3]}
                for r in results
            ],
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
