"""A generated month of history (2024-11, plus a little of 2024-10) with a ledger of what each unit did.

Every ticket goes through the real services at explicit moments; the generator writes down, per unit, the
outcome it produced (each callback's answers, late replies, rejected returns, reworks, quick replies), so a
test can score the month by hand from this ledger, independently of ``reports.assessment``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from hotline.auth.services import create_user
from hotline.core.clock import TZ, working_seconds_between
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.services import NewTicket, register_ticket
from hotline.units.services import create_unit

NOW = dt.datetime(2024, 12, 5, 10, 0, tzinfo=TZ)
REPLY = {"result": "已处理", "public_answer": "您反映的问题已处理。"}
LEVELS = ("very_satisfied", "satisfied", "basically_satisfied", "unsatisfied", "very_unsatisfied")
# (unit, handler, tickets in November) — A1-01 stays below the minimum sample of 10.
PLAN = (
    ("A1", "handler1", 14),
    ("JTJ", "handler2", 13),
    ("A2", "handler_a2", 13),
    ("SWJ", "handler_swj", 12),
    ("A1-01", "street1", 4),
)


@dataclass
class Callback:
    number: str
    kind: str
    contacted: bool
    resolved: bool
    satisfaction: str


@dataclass
class UnitBook:
    callbacks: list[Callback] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    improper_return: list[str] = field(default_factory=list)
    rework: list[str] = field(default_factory=list)
    quick: list[str] = field(default_factory=list)  # replied within 8 working hours of the dispatch
    numbers: set[str] = field(default_factory=set)


@dataclass
class History:
    books: dict[str, dict[str, UnitBook]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(UnitBook)))


def working_days(month: int, first: int, last: int) -> list[dt.date]:
    import chinese_calendar

    return [d for d in (dt.date(2024, month, n) for n in range(first, last + 1)) if chinese_calendar.is_workday(d)]


def build_history(session, world, *, seed: int = 15) -> History:
    """Generate the history; return the ledger ``books[month][unit code]``."""
    rng = random.Random(seed)
    swj = create_unit(session, "SWJ", "市水务局", "department", world.unit("A"))
    create_user(session, "handler_a2", "demo-12345", "handler", world.unit("A2"))
    create_user(session, "handler_swj", "demo-12345", "handler", swj)
    session.flush()
    users = {name: world.user(name) for name in (*world.usernames, "handler_a2", "handler_swj")}
    history = History()

    def act(ticket, action: str, who: str, when: dt.datetime, **params) -> None:
        perform_action(session, ticket, action, users[who], ActionParams(**params), now=when)

    def callback(ticket, book: UnitBook, when: dt.datetime, level: str | None = None) -> str:
        if level is None:
            level = rng.choice(LEVELS)
        contacted = rng.random() < 0.85
        resolved = level in LEVELS[:3] and rng.random() < 0.8
        act(ticket, "callback", "agent1", when, contacted=contacted, resolved=resolved, satisfaction=level)
        book.callbacks.append(Callback(ticket.number, ticket.kind, contacted, resolved, level))
        return level

    def one(month: int, day: dt.date, unit: str, handler: str, late_ok: bool) -> None:
        book = history.books[f"2024-{month:02d}"][unit]
        start = dt.datetime.combine(day, dt.time(10, 0), TZ)
        kind = rng.choice(("consult", "complaint", "help", "complaint"))
        late = late_ok and kind in ("consult", "help") and rng.random() < 0.35
        quick = not late and rng.random() < 0.3  # replied 3 hours after the dispatch
        data = NewTicket(
            channel="phone",
            content=f"{unit} 的诉求 {rng.randint(1, 10**6)}",
            kind=kind,
            category="CX.01",
            caller_phone="13800000000",
        )
        ticket, _ = register_ticket(session, data, users["agent1"], now=start - dt.timedelta(minutes=30))
        book.numbers.add(ticket.number)
        act(ticket, "dispatch", "dispatcher1", start, unit=unit)
        t = start
        if rng.random() < 0.2:  # an improper return: asked, refused by the dispatch desk
            act(ticket, "request_return", handler, t + dt.timedelta(minutes=20), reason="非本单位职责", basis="无")
            act(ticket, "reject_return", "dispatcher1", t + dt.timedelta(minutes=40), reason="属本单位职责")
            book.improper_return.append(ticket.number)
        act(ticket, "accept", handler, t + dt.timedelta(hours=1))
        replied = t + (dt.timedelta(days=10) if late else dt.timedelta(hours=3) if quick else dt.timedelta(days=2))
        act(ticket, "reply", handler, replied, **REPLY)
        if late:
            book.overdue.append(ticket.number)
        if working_seconds_between(start, replied) <= 8 * 3600:
            book.quick.append(ticket.number)
        act(ticket, "approve_reply", "supervisor1", replied + dt.timedelta(hours=1))
        cb = replied + dt.timedelta(hours=2)
        if rng.random() < 0.08:  # unreachable three times: no valid callback
            for i in range(3):
                act(ticket, "callback", "agent1", cb + dt.timedelta(minutes=10 * i), unreachable=True)
            return
        level = callback(ticket, book, cb)
        if level in LEVELS[3:]:
            if rng.random() < 0.5:
                act(ticket, "uphold", "supervisor1", cb + dt.timedelta(hours=1), reason="诉求不合理")
                book.callbacks.pop()  # an upheld 差评 leaves the 三率 (rates.py's rule)
                return
            reworked = cb + dt.timedelta(hours=1)
            act(ticket, "rework", "supervisor1", reworked, note="差评重办")
            book.rework.append(ticket.number)
            # The reply clock starts again at the rework: only the new reply counts for 超期 and 直接答复.
            again = reworked + dt.timedelta(days=1)
            act(ticket, "accept", handler, again)
            act(ticket, "reply", handler, again + dt.timedelta(hours=2), **REPLY)
            if ticket.number in book.overdue:
                book.overdue.remove(ticket.number)
            if ticket.number in book.quick:
                book.quick.remove(ticket.number)
            if working_seconds_between(reworked, again + dt.timedelta(hours=2)) <= 8 * 3600:
                book.quick.append(ticket.number)
            act(ticket, "approve_reply", "supervisor1", again + dt.timedelta(hours=3))
            callback(ticket, book, again + dt.timedelta(hours=4), level=rng.choice(LEVELS[:3]))

    november = working_days(11, 1, 15)
    for unit, handler, count in PLAN:
        for i in range(count):
            one(11, november[i % len(november)], unit, handler, late_ok=True)
    # A lighter October for the trend (all callbacks inside October).
    october = working_days(10, 8, 18)
    for unit, handler, count in PLAN[:2]:
        for i in range(count // 2):
            one(10, october[i % len(october)], unit, handler, late_ok=False)
    session.flush()
    return history
