"""Generate a city's ticket history: every state of the loop, with the events, deadlines and callbacks it implies.

Tickets are spread over ``days`` days (more on working days and office hours) across the demo units, with the
real messages' texts and categories. Each ticket walks one path of the lifecycle table (``hotline.tickets.states``)
— closed on the call, merged, transferred, returned and re-dispatched, replied, called back (satisfied or not,
disputed, reworked) — and stops in an open state for the ``open`` newest-ish tickets (a tail of older ones stays
open too, so queues have overdue work). The rows are produced as plain tuples for a bulk writer
(``hotline.history.writer``); consistency (states vs events, callbacks vs states) is what the tests check.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hotline.core import clock
from hotline.tickets.models import SATISFACTION_LEVELS, SATISFIED_LEVELS
from hotline.tickets.states import State

S = State
OPEN_STOPS = (  # where an open ticket rests, with weights (a centre's backlog: most at the units)
    (S.REGISTERED, 8),
    (S.DISPATCHED, 18),
    (S.RETURN_REQUESTED, 2),
    (S.ACCEPTED, 45),
    (S.SUSPENDED, 3),
    (S.REPLIED, 8),
    (S.CALLBACK_DUE, 14),
    (S.DISPUTED, 2),
)
CHANNEL_WEIGHTS = (
    ("phone", 62),
    ("web", 10),
    ("app", 8),
    ("wechat", 9),
    ("mailbox", 3),
    ("message_board", 6),
    ("transfer_110", 1),
    ("api", 1),
)
KIND_WEIGHTS = (("consult", 30), ("help", 25), ("complaint", 30), ("report", 5), ("suggestion", 8), ("praise", 2))
TICKET_COLUMNS = (
    "id",
    "number",
    "channel",
    "external_id",
    "caller_name",
    "caller_phone",
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
    "merged_into_id",
    "registered_by_id",
    "created_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "reply_approved_at",
    "closed_at",
    "dispatch_due",
    "accept_due",
    "return_due",
    "reply_due",
    "callback_due_at",
    "dispatch_started_at",
    "reply_started_at",
    "deadline_clocks",
    "suspended_at",
    "warning",
    "extension_count",
    "pending_extension_days",
    "pending_suspend_reason",
    "rework_count",
    "return_count",
    "urge_count",
    "supervised",
    "callback_attempts",
    "accepted_on_time",
    "replied_on_time",
    "is_final_reply",
    "dispute_upheld",
    "contacted",
    "resolved",
    "satisfaction",
    "result",
    "public_answer",
    "transfer_target",
    "suggestion",
    "version",
)
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "action",
    "actor_id",
    "actor_role",
    "from_state",
    "to_state",
    "note",
    "data",
    "created_at",
)
CALLBACK_COLUMNS = (
    "id",
    "ticket_id",
    "unit_id",
    "agent_id",
    "attempt",
    "unreachable",
    "contacted",
    "resolved",
    "satisfaction",
    "created_at",
)
CO_UNIT_COLUMNS = ("ticket_id", "unit_id")
HOUR = dt.timedelta(hours=1)
CLOCKS = json.dumps({"dispatch": True, "accept": True, "reply": True})


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    kind: str
    path: str


@dataclass
class City:
    """What the history is drawn from: units, the people acting, categories and real message texts."""

    areas: list[UnitRef]  # grids and communities (where requests come from)
    units_by_code: dict[str, UnitRef]
    departments: list[UnitRef]
    users: dict[str, list[int]]  # role -> user ids
    unit_users: dict[int, int]  # unit id -> a handler/grid worker of it
    messages: list[tuple[str, str, str | None]]  # title, content, category code
    categories: dict[str, list[str]] = field(default_factory=dict)  # first-level code -> its codes


def load_messages(data_dir: Path, first_level: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """Return (title, content, category code) from messages.csv (labelled) and hotspot_messages.csv."""
    out: list[tuple[str, str, str | None]] = []
    for name, labelled in (("messages.csv", True), ("hotspot_messages.csv", False)):
        path = data_dir / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                content = " ".join((row.get("detail") or "").split())[:2000] or row["title"]
                out.append((row["title"][:200], content, first_level.get(row["label"]) if labelled else None))
    return out


class Lifecycle:
    """Walk tickets through the loop and yield their rows; ids are handed out from the given starts."""

    def __init__(self, city: City, *, now: dt.datetime, days: int, seed: int, limits: dict) -> None:
        self.city, self.now, self.days, self.rng = city, now, days, random.Random(seed)
        self.limits = limits  # (stage, kind, urgency) -> clock.Duration
        self._due_cache: dict[tuple, dt.timedelta] = {}
        self.event_id = self.callback_id = 0

    # -- time ----------------------------------------------------------------------------------------------
    def due(self, stage: str, kind: str, urgency: str, start: dt.datetime) -> dt.datetime:
        """Return the stage deadline for a clock started at ``start`` (working calendar, cached per hour)."""
        bucket = start.replace(minute=0, second=0, microsecond=0)
        key = (stage, kind, urgency, bucket)
        offset = self._due_cache.get(key)
        if offset is None:
            offset = self.limits[(stage, kind, urgency)].after(bucket) - bucket
            self._due_cache[key] = offset
        return start + offset

    def later(self, moment: dt.datetime, hours: float) -> dt.datetime:
        """Return a moment ``~hours`` after ``moment`` (exponential), never in the future."""
        step = dt.timedelta(hours=self.rng.expovariate(1.0 / hours))
        return min(moment + step, self.now - dt.timedelta(seconds=1))

    # -- one ticket ----------------------------------------------------------------------------------------
    def ticket(
        self, tid: int, number: str, created: dt.datetime, stop: State | None, masters: list[int]
    ) -> tuple[tuple, list[tuple], list[tuple], list[tuple]]:
        """Return (ticket row, events, callbacks, co-units) for one ticket; ``stop`` None = it runs to its end."""
        rng, city = self.rng, self.city
        title, content, category = rng.choice(city.messages)
        if category is None or rng.random() < 0.1:
            category = rng.choice(list(city.categories))
        codes = city.categories.get(category) or [category]
        category = rng.choice(codes)
        kind = _weighted(rng, KIND_WEIGHTS)
        urgency = "urgent" if rng.random() < 0.04 else "normal"
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        area = rng.choice(city.areas)
        district = city.units_by_code[area.path.strip("/").split("/")[1]] if area.path.count("/") > 2 else area
        lead = rng.choice(city.departments) if city.departments and rng.random() < 0.25 else district
        agent = rng.choice(city.users["agent"]) if city.users.get("agent") else None
        dispatcher = rng.choice(city.users["dispatcher"]) if city.users.get("dispatcher") else None
        supervisor = rng.choice(city.users["supervisor"]) if city.users.get("supervisor") else None
        t = dict.fromkeys(TICKET_COLUMNS)
        t.update(
            id=tid,
            number=number,
            channel=channel,
            caller_name="张先生" if rng.random() < 0.5 else "李女士",
            caller_phone=f"13{rng.randrange(10**9):09d}",
            title=title,
            content=content,
            address=f"{district.name}{area.name}附近",
            category=category,
            kind=kind,
            urgency=urgency,
            is_enterprise=rng.random() < 0.05,
            is_business_env=rng.random() < 0.03,
            is_direct=False,
            area_unit_id=area.id,
            registered_by_id=agent if channel == "phone" else None,
            created_at=created,
            dispatch_started_at=created,
            dispatch_due=self.due("dispatch", kind, urgency, created),
            deadline_clocks=CLOCKS,
            warning="none",
            extension_count=0,
            rework_count=0,
            return_count=0,
            urge_count=0,
            supervised=False,
            callback_attempts=0,
            is_final_reply=False,
            dispute_upheld=False,
            external_id=f"hist-{tid}" if channel == "transfer_110" else None,
            suggestion=json.dumps({"source": "history"}),
            version=1,
        )
        events: list[tuple] = []
        callbacks: list[tuple] = []
        co_units: list[tuple] = []
        state = S.REGISTERED
        moment = created

        def event(
            action: str,
            actor: int | None,
            role: str,
            to: State,
            data: dict | None = None,
            note: str | None = None,
            frm: State | None = None,
        ) -> None:
            self.event_id += 1
            events.append(
                (
                    self.event_id,
                    tid,
                    action,
                    actor,
                    role,
                    frm.value if frm else None,
                    to.value,
                    note,
                    json.dumps(data, ensure_ascii=False) if data else None,
                    moment,
                )
            )

        event(
            "register",
            agent if channel == "phone" else None,
            "agent" if channel == "phone" else "system",
            S.REGISTERED,
            {"channel": channel},
        )
        event(
            "notify",
            None,
            "system",
            S.REGISTERED,
            {"purpose": "registered"},
            note=f"已受理，工单编号 {number}",
            frm=S.REGISTERED,
        )

        def done() -> bool:
            return stop is not None and state == stop

        def dispatch_to(unit: UnitRef) -> None:
            nonlocal state, moment
            moment = self.later(moment, 1.5)
            event(
                "dispatch",
                dispatcher,
                "dispatcher",
                S.DISPATCHED,
                {"unit": unit.code, "grid": None, "co_units": []},
                frm=state,
            )
            state = S.DISPATCHED
            t.update(
                lead_unit_id=unit.id,
                handling_unit_id=unit.id,
                dispatched_at=moment,
                accept_due=self.due("accept", kind, urgency, moment),
                accepted_at=None,
                accepted_on_time=None,
            )

        if not done():  # registered → closed on the call / merged / transferred / dispatched
            fate = rng.random()
            if stop is None and kind == "consult" and fate < 0.35:
                moment = self.later(moment, 0.2)
                event("close_on_call", agent, "agent", S.CLOSED, frm=state, note="话务员当场答复")
                state = S.CLOSED
                t.update(closed_at=moment, result="当场答复")
            elif stop is None and fate < 0.04 and masters:
                moment = self.later(moment, 2)
                master = rng.choice(masters)
                event("merge", dispatcher, "dispatcher", S.MERGED, {"into": master}, frm=state)
                state = S.MERGED
                t.update(merged_into_id=master, closed_at=moment)
            elif stop is None and fate < 0.05:
                moment = self.later(moment, 1)
                event("transfer", dispatcher, "dispatcher", S.TRANSFERRED, {"target": "110"}, frm=state)
                state = S.TRANSFERRED
                t.update(transfer_target="110", closed_at=moment)
            else:
                dispatch_to(lead)
                if lead is district and rng.random() < 0.3:
                    co = rng.choice(city.departments) if city.departments else None
                    if co is not None and co.id != lead.id:
                        co_units.append((tid, co.id))
        reworked = False
        while state not in (S.CLOSED, S.MERGED, S.TRANSFERRED) and not done():
            holder = t["handling_unit_id"]
            handler = city.unit_users.get(holder)
            if state == S.DISPATCHED:
                if (stop == S.RETURN_REQUESTED or rng.random() < 0.05) and not reworked:  # 退单 → 审核 → 重新派单
                    moment = self.later(moment, 4)
                    unit_code = next(u.code for u in city.units_by_code.values() if u.id == holder)
                    event(
                        "request_return",
                        handler,
                        "handler",
                        S.RETURN_REQUESTED,
                        {"reason": "不属本单位职责", "unit": unit_code},
                        frm=state,
                    )
                    state = S.RETURN_REQUESTED
                    if done():
                        break
                    moment = self.later(moment, 3)
                    event(
                        "approve_return", dispatcher, "dispatcher", S.REGISTERED, {"returned_by": unit_code}, frm=state
                    )
                    state = S.REGISTERED
                    t["return_count"] += 1
                    t.update(dispatch_started_at=moment, dispatch_due=self.due("dispatch", kind, urgency, moment))
                    if done():
                        break
                    dispatch_to(district if lead is not district else rng.choice(city.departments or [district]))
                    continue
                moment = self.later(moment, 6)
                event("accept", handler, "handler", S.ACCEPTED, frm=state)
                state = S.ACCEPTED
                t.update(
                    accepted_at=moment,
                    accepted_on_time=moment <= t["accept_due"],
                    reply_started_at=moment,
                    reply_due=self.due("reply", kind, urgency, moment),
                )
            elif state == S.ACCEPTED:
                if stop == S.SUSPENDED or (stop is None and rng.random() < 0.02):
                    moment = self.later(moment, 24)
                    event("request_suspend", handler, "handler", S.ACCEPTED, {"reason": "需协调多部门"}, frm=state)
                    event("approve_suspend", supervisor, "supervisor", S.SUSPENDED, frm=state)
                    state = S.SUSPENDED
                    t["suspended_at"] = moment
                    if done():
                        break
                    moment = self.later(moment, 48)
                    event("resume", handler, "handler", S.ACCEPTED, frm=state)
                    state = S.ACCEPTED
                    t["suspended_at"] = None
                moment = self.later(moment, 60)
                event("reply", handler, "handler", S.REPLIED, frm=state, note="已现场核实并处理")
                state = S.REPLIED
                t.update(
                    replied_at=moment,
                    replied_on_time=moment <= t["reply_due"],
                    result="已现场核实并处理",
                    public_answer="经核实，相关问题已处理。",
                )
            elif state == S.REPLIED:
                moment = self.later(moment, 8)
                event("approve_reply", supervisor, "supervisor", S.CALLBACK_DUE, frm=state)
                state = S.CALLBACK_DUE
                t.update(reply_approved_at=moment, callback_due_at=self.due("callback", kind, urgency, moment))
            elif state == S.CALLBACK_DUE:
                moment = self.later(moment, 20)
                t["callback_attempts"] += 1
                self.callback_id += 1
                unreachable = rng.random() < 0.06
                if unreachable and t["callback_attempts"] < 3:
                    callbacks.append(
                        (
                            self.callback_id,
                            tid,
                            t["lead_unit_id"],
                            agent,
                            t["callback_attempts"],
                            True,
                            False,
                            None,
                            None,
                            moment,
                        )
                    )
                    event("callback", agent, "agent", S.CALLBACK_DUE, {"unreachable": True}, frm=state)
                    continue
                satisfaction = "unsatisfied" if stop == S.DISPUTED else _satisfaction(rng, reworked)
                resolved = satisfaction in SATISFIED_LEVELS or rng.random() < 0.2
                callbacks.append(
                    (
                        self.callback_id,
                        tid,
                        t["lead_unit_id"],
                        agent,
                        t["callback_attempts"],
                        False,
                        True,
                        resolved,
                        satisfaction,
                        moment,
                    )
                )
                t.update(contacted=True, resolved=resolved, satisfaction=satisfaction)
                if satisfaction in SATISFIED_LEVELS:
                    event("callback", agent, "agent", S.CLOSED, {"satisfaction": satisfaction}, frm=state)
                    state = S.CLOSED
                    t["closed_at"] = moment
                else:
                    event("callback", agent, "agent", S.DISPUTED, {"satisfaction": satisfaction}, frm=state)
                    state = S.DISPUTED
            elif state == S.DISPUTED:
                moment = self.later(moment, 24)
                if reworked or rng.random() < 0.4:
                    event("uphold", supervisor, "supervisor", S.CLOSED, frm=state, note="甄别：答复属实")
                    state = S.CLOSED
                    t.update(closed_at=moment, dispute_upheld=True)
                else:
                    event("rework", supervisor, "supervisor", S.DISPATCHED, frm=state, note="差评重办")
                    state = S.DISPATCHED
                    reworked = True
                    t["rework_count"] += 1
                    t.update(
                        dispatched_at=moment,
                        accept_due=self.due("accept", kind, urgency, moment),
                        accepted_at=None,
                        accepted_on_time=None,
                        replied_at=None,
                        replied_on_time=None,
                        reply_approved_at=None,
                        callback_due_at=None,
                        callback_attempts=0,
                    )
            else:
                break
        t["state"] = state.value
        t["updated_at"] = moment
        t["version"] = 1 + len(events)
        t["warning"] = self._warning(state, t)
        return tuple(t[c] for c in TICKET_COLUMNS), events, callbacks, co_units

    def _warning(self, state: State, t: dict) -> str:
        running = {
            S.REGISTERED: "dispatch_due",
            S.DISPATCHED: "accept_due",
            S.ACCEPTED: "reply_due",
            S.CALLBACK_DUE: "callback_due_at",
        }.get(state)
        due = t.get(running) if running else None
        if due is None:
            return "none"
        return "red" if due <= self.now else ("yellow" if due - self.now < dt.timedelta(hours=4) else "none")


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]


def _satisfaction(rng: random.Random, reworked: bool) -> str:
    weights = (30, 40, 18, 8, 4) if not reworked else (20, 40, 25, 10, 5)
    return rng.choices(SATISFACTION_LEVELS, weights)[0]


def moments(rng: random.Random, count: int, days: int, now: dt.datetime) -> list[dt.datetime]:
    """Return ``count`` creation moments over the last ``days`` days, sorted (office hours busier)."""
    start = now - dt.timedelta(days=days)
    span = (now - start).total_seconds()
    out = []
    for _ in range(count):
        moment = start + dt.timedelta(seconds=rng.random() * span)
        local = clock.to_local(moment)
        if (local.hour < 8 or local.hour >= 21) and rng.random() < 0.75:  # most night calls move into the day
            moment += dt.timedelta(hours=12) if moment + dt.timedelta(hours=12) < now else dt.timedelta(hours=-12)
        out.append(min(max(moment, start), now - dt.timedelta(seconds=1)))
    out.sort()
    return out


def open_flags(rng: random.Random, count: int, open_count: int) -> list[bool]:
    """Choose which tickets stay open: mostly the newest, with a tail of older ones (overdue work)."""
    open_count = min(open_count, count)
    tail = open_count // 10
    newest = open_count - tail
    flags = [False] * count
    for i in range(count - newest, count):
        flags[i] = True
    older = range(0, max(count - newest, 0))
    for i in rng.sample(older, min(tail, len(older))):
        flags[i] = True
    return flags


def stops(rng: random.Random) -> Iterator[State]:
    """Yield open resting states by their weights, forever."""
    states = [s for s, _ in OPEN_STOPS]
    weights = [w for _, w in OPEN_STOPS]
    while True:
        yield from rng.choices(states, weights, k=1024)
