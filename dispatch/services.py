"""Dispatch proposals: address → area → grid, the responsibility list, 110 linkage, duplicates, decisions.

``propose_dispatch`` only reads: it says what dispatch would do and why. Tasks and views store the
decision (``record_decision``) and act on it.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.gazetteer import DEMO_GAZETTEER, AddressMatcher, AreaMatch, UnitRow, load_gazetteer
from dispatch.gazetteer import user_dictionary_words as gazetteer_words
from dispatch.linkage import detect_linkage
from dispatch.models import DispatchDecision
from dispatch.rules import Facts
from dispatch.ruleset import ReferenceState, current_rulebook, forget_reference_state, reference_state
from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.seams import Seam
from hotline.tickets.models import Ticket
from hotline.units.models import Unit

log = logging.getLogger(__name__)
_lock = threading.Lock()

AREA_KINDS = ("district", "street", "community", "grid")
SYSTEM_USERNAME = "system"
# How sure the proposal is of the rule itself, whatever the category's confidence.
CERTAINTY_SPECIFIC = 1.0
CERTAINTY_ALTERNATIVES = 0.8
CERTAINTY_AMBIGUOUS = 0.5
CERTAINTY_FALLBACK = 0.3
CONFIDENCE_NO_CATEGORY = 0.6


# --- address → area -------------------------------------------------------------------------------------


def gazetteer_path() -> str:
    """Return the configured gazetteer file (``HOTLINE_GAZETTEER``, default the demo file)."""
    if has_app_context():
        return str(current_app.config.get("HOTLINE_GAZETTEER") or DEMO_GAZETTEER)
    return str(DEMO_GAZETTEER)


def _matcher_cache(session: Session, state: ReferenceState | None) -> dict:
    key = (gazetteer_path(), (state or reference_state(session)).units)
    cache = current_app.extensions.setdefault("dispatch.matcher", {})
    if cache.get("key") == key:
        return cache
    with _lock:
        rows = session.execute(select(Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.id)).all()
        code_of = {r.id: r.code for r in rows}
        units = [UnitRow(r.code, r.name, code_of.get(r.parent_id, ""), r.kind) for r in rows]
        matcher = AddressMatcher(load_gazetteer(key[0]), units)
        cache.update(key=key, matcher=matcher, codes=frozenset(code_of.values()))
    return cache


def address_matcher(session: Session, state: ReferenceState | None = None) -> AddressMatcher:
    """Return this process's matcher (gazetteer file + the units in the database), rebuilt when units change."""
    return _matcher_cache(session, state)["matcher"]


def invalidate_caches(app=None) -> None:
    """Forget the compiled matcher and RuleBook of this process (after loading units or rules in bulk)."""
    app = app or current_app
    forget_reference_state()
    app.extensions.pop("dispatch.matcher", None)
    app.extensions.pop("dispatch.rulebook", None)
    app.extensions.pop("dispatch.category_paths", None)


def user_dictionary_words(session: Session | None = None) -> list[str]:
    """Return place, alias and unit names for jieba's user dictionary (classifier and knowledge load them)."""
    if session is None and has_app_context():
        from hotline.core.extensions import db

        session = db.session
    if session is None:
        return gazetteer_words(load_gazetteer(gazetteer_path()))
    return address_matcher(session).user_dictionary_words()


@dataclass
class Area:
    """Where a ticket is: codes per level and the most specific unit that exists in the database."""

    district: str = ""
    street: str = ""
    community: str = ""
    grid: str = ""
    place: str = ""
    score: float = 0.0
    unit: str | None = None  # most specific existing unit code
    source: str = ""  # address, text, ticket

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _most_specific(existing: frozenset[str], codes: list[str]) -> str | None:
    return next((c for c in codes if c and c in existing), None)


def area_of_unit(session: Session, code: str) -> Area | None:
    """Return the area a unit code stands for (its district/street/community/grid ancestors)."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        return None
    codes = [c for c in unit.path.strip("/").split("/") if c]
    kinds = dict(session.execute(select(Unit.code, Unit.kind).where(Unit.code.in_(codes))).all())
    area = Area(score=1.0, unit=unit.code, source="ticket")
    for c in codes:
        if kinds.get(c) in AREA_KINDS:
            setattr(area, kinds[c], c)
    return area


def resolve_area(
    session: Session, *, address: str | None, text: str, state: ReferenceState | None = None
) -> Area | None:
    """Resolve the address (else the message text) to an area."""
    cache = _matcher_cache(session, state)
    matcher: AddressMatcher = cache["matcher"]
    found: AreaMatch | None = None
    source = ""
    if address and address.strip():
        found, source = matcher.match(address), "address"
    if found is None and text:
        found, source = matcher.match(text), "text"
    if found is None:
        return None
    area = Area(found.district, found.street, found.community, found.grid_code, found.place, found.score, source=source)
    # The matcher was built from the units as they are now (its key is their fingerprint): no query needed.
    area.unit = _most_specific(cache["codes"], [area.grid, area.community, area.street, area.district])
    return area


# --- categories -----------------------------------------------------------------------------------------


def _taxonomy() -> dict[str, tuple[str, ...]]:
    """Map every category name of taxonomy.csv to its chain of level names (level 1 first)."""
    cache = current_app.extensions.get("dispatch.taxonomy")
    if cache is not None:
        return cache
    chains: dict[str, tuple[str, ...]] = {}
    path = Path(current_app.config.get("HOTLINE_DATA_DIR") or "") / "taxonomy.csv"
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                levels = tuple(v.strip() for v in (row.get("level1"), row.get("level2"), row.get("level3")) if v)
                for i, name in enumerate(levels):
                    chains.setdefault(name, levels[: i + 1])
    current_app.extensions["dispatch.taxonomy"] = chains
    return chains


def _names_of_code(session: Session | None, code: str, state: ReferenceState | None) -> tuple[str, ...]:
    """Return the level names of a dotted code from the core category tree, when that tree is installed."""
    from hotline.core.extensions import db

    if session is None or "categories" not in db.metadata.tables:
        return ()
    table = db.metadata.tables["categories"]
    if state is None:
        path = session.scalar(select(table.c.path_name).where(table.c.code == code))
        return tuple(p for p in (path or "").split("/") if p)
    # The whole tree (a few hundred rows) once per change of the tree, instead of a query per proposal.
    # Categories are added or switched off, never renamed, so (count, highest id) says when paths change.
    cache = current_app.extensions.setdefault("dispatch.category_paths", {})
    if cache.get("key") != state.categories:
        paths = dict(session.execute(select(table.c.code, table.c.path_name)).all())
        cache.update(key=state.categories, paths=paths)
    return tuple(p for p in (cache["paths"].get(code) or "").split("/") if p)


def category_names(
    category: str, name: str = "", session: Session | None = None, state: ReferenceState | None = None
) -> tuple[str, ...]:
    """Return the level names a category (code or name) carries, level 1 first."""
    names: list[str] = list(_names_of_code(session, category, state)) if category and category.isascii() else []
    for label in (name, category):
        if label and not label.isascii():
            names.extend(_taxonomy().get(label, (label,)))
    return tuple(dict.fromkeys(names))


@dataclass
class Classification:
    """The category dispatch decided with, and where it came from."""

    code: str = ""
    name: str = ""
    confidence: float = 0.0
    source: str = "none"  # given, classifier, none
    model_version: str | None = None
    kind: str | None = None
    note: str = ""


# The classifier as dispatch asks it: ``text -> {categories: [{code, name, confidence}…], kind, model_version}``
# or None without an active model; bound by the app factory.
ClassifyText = Callable[[str], dict | None]
CLASSIFY: Seam[ClassifyText] = Seam("dispatch.classify")


def classify(text: str, category: str | None, prediction: dict | None = None) -> Classification:
    """Use the given category, else the classifier's best guess (``prediction`` when intake already has it),
    else nothing (and say so)."""
    if category:
        return Classification(
            code=category, name="" if category.isascii() else category, confidence=1.0, source="given"
        )
    if prediction is not None:
        result = prediction
    elif not CLASSIFY.is_bound():
        return Classification(note="未提供类别且分类模型不可用，未按类别判断")
    else:
        try:
            result = CLASSIFY.get()(text) or {}
        except Exception:
            log.exception("classifier provider failed")
            return Classification(note="分类模型调用失败，未按类别判断")
    if not result.get("categories"):
        return Classification(note="未提供类别且尚无启用的分类模型，未按类别判断")
    top = result["categories"][0]
    return Classification(
        code=str(top.get("code") or top.get("name") or ""),
        name=str(top.get("name") or ""),
        confidence=float(top.get("confidence") or 0.0),
        source="classifier",
        model_version=result.get("model_version"),
        kind=result.get("kind"),
    )


# --- the proposal ---------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """What dispatch would do with a request, and why."""

    unit: dict | None = None
    co_units: list[dict] = field(default_factory=list)
    grid: dict | None = None
    rule: dict | None = None
    confidence: float = 0.0
    transfer_110: dict | None = None
    area: dict | None = None
    classification: dict = field(default_factory=dict)
    ambiguous: bool = False
    fallback: bool = False
    direct: bool = False
    alternatives: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def rule_id(self) -> str | None:
        return self.rule["id"] if self.rule else None

    @property
    def unambiguous(self) -> bool:
        """Tell whether exactly one specific rule decided (no fallback, no rival lead unit)."""
        return self.rule is not None and not (self.ambiguous or self.fallback or self.alternatives)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Proposal:
        """Rebuild a proposal stored with a decision (ignoring what was stored beside it)."""
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in stored.items() if k in names})


def _brief(names: dict[str, str], code: str) -> dict:
    return {"code": code, "name": names.get(code, code)}


def propose_dispatch(
    session: Session,
    *,
    text: str,
    category: str | None = None,
    kind: str | None = None,
    address: str | None = None,
    area: str | None = None,
    detect_110: bool = True,
    prediction: dict | None = None,
) -> Proposal:
    """Say which unit (and grid) should handle a request by the responsibility list, with the rule and basis.

    ``category`` is a code or a category name (城乡建设); without it the classifier provider is asked.
    ``area`` is a unit code already known (a grid worker's grid), used instead of resolving the address.
    ``prediction`` is the classifier's answer when the caller (intake) already has it: it is not asked twice.
    """
    text = text or ""
    # The text alone, as intake classifies it (the address places the request; it says nothing of the
    # category): the proposal then rests on the same classification the ticket records.
    cls = classify(text.strip(), category, prediction)
    state = reference_state(session)  # one statement for the keys of every cache below
    where = area_of_unit(session, area) if area else None
    where = where or resolve_area(session, address=address, text=text, state=state)
    facts = Facts(
        category=cls.code,
        category_names=category_names(cls.code, cls.name, session, state),
        kind=kind or cls.kind or "",
        district=where.district if where else "",
        street=where.street if where else "",
        community=where.community if where else "",
        grid=where.grid if where else "",
        text=f"{text} {address or ''}",
    )
    book = current_rulebook(session, state)
    decision = book.match(facts)
    names = dict(book.unit_names)
    proposal = Proposal(area=where.to_dict() if where else None, classification=asdict(cls))
    linkage = detect_linkage(text) if detect_110 else None
    if linkage is not None:
        proposal.transfer_110 = {"target": linkage.target, "reason": linkage.reason}
    reasons = [cls.note] if cls.note else []
    if decision is None:
        reasons.append("确责清单没有可适用的条目，请派单员研判")
    else:
        existing = set(names)
        grid_code = decision.grid if decision.grid in existing else ""
        proposal.unit = _brief(names, decision.lead_unit)
        proposal.co_units = [_brief(names, c) for c in decision.co_units]
        proposal.grid = _brief(names, grid_code) if grid_code else None
        proposal.rule = {"id": decision.rule_id, "legal_basis": decision.legal_basis, "reason": decision.reason}
        proposal.ambiguous, proposal.fallback, proposal.direct = decision.ambiguous, decision.fallback, decision.direct
        proposal.alternatives = list(decision.alternatives)
        reasons.append(decision.reason)
        if decision.ambiguous:
            reasons.append("同级条目指向不同单位（" + "、".join(decision.alternatives) + "），需派单员确认")
        certainty = (
            CERTAINTY_FALLBACK
            if decision.fallback
            else CERTAINTY_AMBIGUOUS
            if decision.ambiguous
            else CERTAINTY_ALTERNATIVES
            if decision.alternatives
            else CERTAINTY_SPECIFIC
        )
        category_factor = cls.confidence if cls.source != "none" else CONFIDENCE_NO_CATEGORY
        proposal.confidence = round(certainty * category_factor, 3)
    if proposal.transfer_110:
        reasons.append(f"疑似紧急警情，建议转{proposal.transfer_110['target']}：{proposal.transfer_110['reason']}")
    proposal.reason = "；".join(r for r in reasons if r)
    if proposal.rule is not None and cls.note:
        proposal.rule["reason"] = f"{cls.note}；{proposal.rule['reason']}"
    return proposal


# --- decisions ------------------------------------------------------------------------------------------


def record_decision(
    session: Session,
    ticket: Ticket,
    proposal: Proposal,
    *,
    auto: bool,
    now: dt.datetime | None = None,
    basis: dict | None = None,
) -> DispatchDecision:
    """Store what dispatch proposed (or did) for a ticket; ``basis`` is what the proposal was made from."""
    stored = proposal.to_dict() | ({"basis": basis} if basis is not None else {})
    row = DispatchDecision(
        ticket_id=ticket.id,
        rule_id=proposal.rule_id,
        model_version=proposal.classification.get("model_version"),
        proposal=stored,
        auto=auto,
        created_at=now or clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def latest_decision(session: Session, ticket_id: int) -> DispatchDecision | None:
    """Return the ticket's most recent decision."""
    return session.scalar(
        select(DispatchDecision)
        .where(DispatchDecision.ticket_id == ticket_id)
        .order_by(DispatchDecision.id.desc())
        .limit(1)
    )


def system_dispatcher(session: Session) -> User:
    """Return the ``system`` dispatcher that automatic dispatch acts as (created on first use, no password)."""
    user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
    if user is not None:
        return user
    root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    if root is None:
        raise RuntimeError("no root unit to attach the system dispatcher to")
    # "!" is no werkzeug hash, so no password ever matches: the account can act but never log in.
    user = User(
        username=SYSTEM_USERNAME, display_name="系统自动派单", password_hash="!", role=Role.DISPATCHER.value, unit=root
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:  # another process created it first
        user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
        assert user is not None
    return user


# --- duplicates (并单) ----------------------------------------------------------------------------------


def _district_path(session: Session, area_code: str | None) -> str | None:
    if not area_code:
        return None
    unit = session.scalar(select(Unit).where(Unit.code == area_code))
    if unit is None:
        return None
    district = area_of_unit(session, area_code)
    code = district.district if district and district.district else None
    if code is None:
        return None
    return unit.path[: unit.path.index(f"/{code}/") + len(code) + 2]


def find_similar_open(
    session: Session,
    text: str,
    area_code: str | None,
    *,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Return open tickets in the same district (when the area is known) that say much the same thing.

    Every open ticket is a candidate: the 并单 index (``dispatch.similar_index``) finds them by MinHash bands.
    """
    from dispatch.similar_index import find_similar

    area = area_of_unit(session, area_code) if area_code else None
    return find_similar(
        session, text, area_code, district=area.district if area else None, exclude_id=exclude_id, limit=limit
    )
