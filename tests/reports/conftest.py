"""A month of tickets with known outcomes, built through the real services with explicit moments.

Period under test: 2024-09-23 … 2024-10-20 (Asia/Shanghai), which spans the National Day holiday
(10-01 … 10-07) and the 调休 working Sunday 09-29 and Saturday 10-12. "Now" is 2024-10-21 10:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from hotline.core.clock import TZ
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket
from hotline.tickets.services import NewTicket, register_ticket

NOW = dt.datetime(2024, 10, 21, 10, 0, tzinfo=TZ)
FROM, TO = "2024-09-23", "2024-10-20"
REPEAT_ADDRESS = "A1区东风街道幸福小区5栋"
REPLY = {"result": "已处理", "public_answer": "您反映的问题已处理。"}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=TZ)


@dataclass
class Built:
    numbers: dict[str, str] = field(default_factory=dict)


class Maker:
    """Registers tickets and takes actions as the world's users, at given moments."""

    def __init__(self, session, world) -> None:
        self.session = session
        self.users = {name: world.user(name) for name in world.usernames}
        self.units = {code: world.unit(code) for code in world.unit_codes}

    def new(
        self,
        when: dt.datetime,
        *,
        kind: str = "consult",
        category: str = "CX.01",
        address: str | None = None,
        content: str = "小区门口路灯坏了，晚上很黑",
        area: str | None = None,
    ) -> Ticket:
        data = NewTicket(
            channel="phone",
            content=content,
            kind=kind,
            category=category,
            address=address,
            caller_phone="13800000000",
            area_unit=self.units[area] if area else None,
        )
        ticket, _ = register_ticket(self.session, data, self.users["agent1"], now=when)
        return ticket

    def act(self, ticket: Ticket, action: str, who: str, when: dt.datetime, **params) -> Ticket:
        return perform_action(self.session, ticket, action, self.users[who], ActionParams(**params), now=when)

    def handler_for(self, unit: str) -> str:
        return {"A1": "handler1", "A1-01": "street1", "JTJ": "handler2"}[unit]

    def to_callback(
        self,
        ticket: Ticket,
        unit: str,
        start: dt.datetime,
        *,
        accept_after: dt.timedelta = dt.timedelta(hours=2),
        reply_after: dt.timedelta = dt.timedelta(days=1),
        final: bool = False,
    ) -> dt.datetime:
        who = self.handler_for(unit)
        self.act(ticket, "dispatch", "dispatcher1", start, unit=unit)
        self.act(ticket, "accept", who, start + accept_after)
        replied = start + accept_after + reply_after
        self.act(ticket, "final_reply" if final else "reply", who, replied, **REPLY)
        self.act(ticket, "approve_reply", "supervisor1", replied + dt.timedelta(hours=1))
        return replied + dt.timedelta(hours=2)

    def callback(
        self, ticket: Ticket, when: dt.datetime, satisfaction: str, *, contacted: bool = True, resolved: bool = True
    ) -> Ticket:
        return self.act(
            ticket, "callback", "agent1", when, contacted=contacted, resolved=resolved, satisfaction=satisfaction
        )


def build_month(session, world) -> Built:
    """Build every case the reports must get right; return the numbers by name."""
    m = Maker(session, world)
    b = Built()
    n = b.numbers

    # 1. Plain loop at A1: signed on time, replied on time, satisfied.
    t = m.new(at(9, 24), kind="complaint")
    cb = m.to_callback(t, "A1", at(9, 24, 11))
    m.callback(t, cb, "very_satisfied")
    n["plain"] = t.number

    # 2. Late 签收; reply after the original deadline (10-08, over the holiday) but within an approved extension.
    t = m.new(at(9, 25, 9), kind="consult")
    m.act(t, "dispatch", "dispatcher1", at(9, 25, 10), unit="A1")
    m.act(t, "accept", "handler1", at(9, 27, 10))  # 签收 limit: 1 working day → 09-26 10:00
    m.act(t, "request_extension", "handler1", at(9, 30), days=3, reason="需协调")
    m.act(t, "approve_extension", "supervisor1", at(9, 30, 11))
    m.act(t, "reply", "handler1", at(10, 10), **REPLY)
    m.act(t, "approve_reply", "supervisor1", at(10, 10, 12))
    m.callback(t, at(10, 11), "basically_satisfied", resolved=False)
    n["extended"] = t.number

    # 3. Returned by JTJ, re-dispatched to A1, 差评 → reworked once, then satisfied.
    t = m.new(at(9, 26), kind="complaint")
    m.act(t, "dispatch", "dispatcher1", at(9, 26, 11), unit="JTJ")
    m.act(t, "request_return", "handler2", at(9, 26, 15), reason="非本单位职责", basis="确责清单")
    m.act(t, "approve_return", "dispatcher1", at(9, 26, 16))
    cb = m.to_callback(t, "A1", at(9, 27))
    m.callback(t, cb, "unsatisfied", resolved=False)
    m.act(t, "rework", "supervisor1", cb + dt.timedelta(hours=1), note="仍未解决")
    m.act(t, "accept", "handler1", cb + dt.timedelta(hours=2))
    m.act(t, "reply", "handler1", at(10, 9), **REPLY)
    m.act(t, "approve_reply", "supervisor1", at(10, 9, 12))
    m.callback(t, at(10, 10), "satisfied")
    n["returned_reworked"] = t.number

    # 4. Closed on the call; 6. transferred to 110 (5. merged: after 9).
    t = m.new(at(9, 26, 14))
    m.act(t, "close_on_call", "agent1", at(9, 26, 14, 5), public_answer="已按知识库答复")
    n["on_call"] = t.number
    t = m.new(at(9, 27, 11))
    m.act(t, "transfer", "dispatcher1", at(9, 27, 11, 5), target="110", reason="治安警情")
    n["transferred"] = t.number

    # 7. 最终答复 then 差评 upheld: excluded from 三率 and 按时办结率.
    t = m.new(at(9, 28), kind="complaint")
    cb = m.to_callback(t, "A1", at(9, 28, 11), final=True)
    m.callback(t, cb, "very_unsatisfied", resolved=False)
    m.act(t, "uphold", "supervisor1", cb + dt.timedelta(hours=1), reason="诉求不合理")
    n["final_upheld"] = t.number

    # 8. 挂账 (still suspended); 8b. suspended, resumed, replied (clock stopped meanwhile).
    t = m.new(at(9, 29), kind="help")
    m.act(t, "dispatch", "dispatcher1", at(9, 29, 11), unit="A1")
    m.act(t, "accept", "handler1", at(9, 29, 12))
    m.act(t, "request_suspend", "handler1", at(9, 30), reason="等待上级政策")
    m.act(t, "approve_suspend", "supervisor1", at(9, 30, 11))
    n["suspended"] = t.number
    t = m.new(at(9, 23, 9), kind="consult")
    m.act(t, "dispatch", "dispatcher1", at(9, 23, 10), unit="A1")
    m.act(t, "accept", "handler1", at(9, 23, 11))
    m.act(t, "request_suspend", "handler1", at(9, 24), reason="等待鉴定")
    m.act(t, "approve_suspend", "supervisor1", at(9, 24, 11))
    m.act(t, "resume", "handler1", at(10, 9))
    m.act(t, "reply", "handler1", at(10, 10), **REPLY)  # past the original 09-30 deadline, within the shifted one
    n["resumed"] = t.number

    # 9. Dispatched to the street (A1-01) and never signed: overdue at 签收 and reply.
    t = m.new(at(9, 27, 14), kind="consult", address="东风路12号")
    m.act(t, "dispatch", "dispatcher1", at(9, 27, 15), unit="A1-01")
    n["unsigned"] = t.number
    t = m.new(at(9, 28, 9), address="东风路12号")
    m.act(t, "merge", "dispatcher1", at(9, 28, 9, 30), into=n["unsigned"])
    n["merged"] = t.number

    # 10. Unreachable three times → closed, no valid callback.
    t = m.new(at(10, 8), kind="help")
    cb = m.to_callback(t, "A1", at(10, 8, 11))
    for i in range(3):
        m.act(t, "callback", "agent1", cb + dt.timedelta(hours=i), unreachable=True)
    n["unreachable"] = t.number

    # 11. Reworked twice, open again at A1 (signed).
    t = m.new(at(10, 9), kind="complaint", category="HB.02")
    cb = m.to_callback(t, "A1", at(10, 9, 11))
    m.callback(t, cb, "unsatisfied", resolved=False)
    m.act(t, "rework", "supervisor1", cb + dt.timedelta(hours=1), note="重办")
    m.act(t, "accept", "handler1", cb + dt.timedelta(hours=2))
    m.act(t, "reply", "handler1", at(10, 12), **REPLY)
    m.act(t, "approve_reply", "supervisor1", at(10, 12, 12))
    m.callback(t, at(10, 14), "very_unsatisfied", contacted=True, resolved=False)
    m.act(t, "rework", "supervisor1", at(10, 14, 12), note="再次重办")
    m.act(t, "accept", "handler1", at(10, 14, 13))
    n["reworked_twice"] = t.number

    # 12. Three tickets at one address within 90 days (open); 13. old tickets for every age bucket (open).
    for i, when in enumerate((at(7, 20), at(9, 10), at(10, 15))):
        t = m.new(when, kind="complaint", category="HB.02", address=REPEAT_ADDRESS, area="A1")
        n[f"repeat{i}"] = t.number
    for name, when in (
        ("age_over_90", dt.datetime(2024, 7, 1, 10, tzinfo=TZ)),
        ("age_30_90", at(8, 15)),
        ("age_15_30", at(10, 1)),
        ("age_7_15", at(10, 10)),
        ("age_le_7", at(10, 18)),
    ):
        t = m.new(when, kind="suggestion", category="JT.01")
        m.act(t, "dispatch", "dispatcher1", when + dt.timedelta(hours=1), unit="JTJ")
        n[name] = t.number

    # 14. Day boundary: registered 09-23 00:30 Shanghai (09-22 16:30 UTC) is in; 09-22 23:30 is out.
    n["boundary_in"] = m.new(dt.datetime(2024, 9, 23, 0, 30, tzinfo=TZ), category="JT.01").number
    n["boundary_out"] = m.new(dt.datetime(2024, 9, 22, 23, 30, tzinfo=TZ), category="JT.01").number

    # 15. JTJ: a small sample of closed, satisfied tickets (for the ranking's minimum sample).
    for i in range(3):
        t = m.new(at(10, 14, 9 + i), kind="consult", category="JT.01")
        cb = m.to_callback(t, "JTJ", at(10, 14, 10 + i))
        m.callback(t, cb, "satisfied" if i < 2 else "unsatisfied", resolved=i < 2)
        n[f"jtj{i}"] = t.number
    session.flush()
    return b


@pytest.fixture
def month(session, world) -> Built:
    """The month's tickets, committed."""
    from hotline.core.extensions import db

    built = build_month(session, world)
    db.session.commit()
    return built
