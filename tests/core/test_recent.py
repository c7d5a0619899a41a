"""Reference data kept briefly per process (hotline.core.recent): read once within the time, afresh after a
write made in this process, and a write made elsewhere seen once the time is up."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from hotline.core import recent


@pytest.fixture
def kept(app, monkeypatch):
    """Keep reference data for a minute (the suite re-reads it on every call) and count the statements."""
    from dispatch.ruleset import forget_reference_state
    from hotline.core.extensions import db
    from hotline.tickets import limits, services
    from knowledge.search import synonyms

    monkeypatch.setitem(app.config, "HOTLINE_REFERENCE_SECONDS", 60)
    for kept_value in (limits._STORED, services._UNIT_PATHS, synonyms._ROWS):  # what earlier tests left
        kept_value.forget()
    forget_reference_state()
    seen: list[str] = []
    me = threading.get_ident()

    def count(_conn, _cursor, statement, *_rest) -> None:
        if threading.get_ident() == me:
            seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", count)


def _later(monkeypatch, seconds: float) -> None:
    clock = recent.time.monotonic
    monkeypatch.setattr(recent.time, "monotonic", lambda: clock() + seconds)


def _reads(seen: list[str], table: str) -> int:
    return sum(1 for s in seen if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s)


def test_time_limits_are_read_once_and_again_after_an_edit_here(app, world, kept, monkeypatch):
    from hotline.core.extensions import db
    from hotline.tickets.limits import limit_for
    from hotline.tickets.models import TimeLimit

    with app.app_context():
        first = limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        assert _reads(kept, "time_limits") == 1
        assert (first.amount, first.unit) == (2, "working_hours")

        db.session.add(TimeLimit(preset="default", stage="dispatch", unit="hours", amount=1, kind="consult"))
        db.session.commit()
        edited = limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        assert (edited.amount, edited.unit) == (1, "hours")  # an edit in this process applies at once
        assert _reads(kept, "time_limits") == 2


def test_an_edit_rolled_back_is_not_kept(app, world, kept):
    from hotline.core.extensions import db
    from hotline.tickets.limits import limit_for
    from hotline.tickets.models import TimeLimit

    with app.app_context():
        db.session.add(TimeLimit(preset="default", stage="dispatch", unit="hours", amount=1, kind="consult"))
        db.session.flush()
        inside = limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        assert inside.amount == 1  # the transaction sees its own row
        db.session.rollback()
        after = limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        assert (after.amount, after.unit) == (2, "working_hours")


def test_a_change_from_another_process_applies_once_the_time_is_up(app, world, kept, monkeypatch):
    from hotline.core.extensions import db
    from hotline.tickets.limits import limit_for

    with app.app_context():
        limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        # Another process's edit: straight SQL, no ORM event in this one.
        db.session.execute(
            text(
                "INSERT INTO time_limits (preset, stage, unit, amount, kind) "
                "VALUES ('default', 'dispatch', 'hours', 3, 'consult')"
            )
        )
        db.session.commit()
        still = limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        assert (still.amount, still.unit) == (2, "working_hours")
        _later(monkeypatch, 61)
        now = limit_for(db.session, "default", "dispatch", kind="consult", urgency="normal")
        assert (now.amount, now.unit) == (3, "hours")


def test_a_new_unit_is_in_its_parents_subtree_at_once(app, world, kept):
    from hotline.core.extensions import db
    from hotline.tickets.services import subtree_unit_ids
    from hotline.units.services import create_unit, get_unit_by_code

    with app.app_context():
        district = get_unit_by_code(db.session, "A1")
        before = subtree_unit_ids(db.session, district)
        subtree_unit_ids(db.session, district)
        assert _reads(kept, "units") == 2  # get_unit_by_code, then the tree once
        grid = create_unit(
            db.session, "A1-01-01-G02", "东风社区第二网格", "grid", get_unit_by_code(db.session, "A1-01-01")
        )
        db.session.commit()
        after = subtree_unit_ids(db.session, district)
        assert set(after) == set(before) | {grid.id}
        assert get_unit_by_code(db.session, "A2").id not in after


def test_synonyms_edited_here_apply_to_the_next_search(app, world, kept):
    from hotline.core.extensions import db
    from knowledge.search.synonyms import load_synonyms
    from knowledge.services import set_synonyms

    class Reviewer:
        role = "supervisor"
        id = None
        username = "supervisor1"

    with app.app_context():
        assert "暂住证" not in load_synonyms(db.session).get("居住证", frozenset())
        load_synonyms(db.session)
        assert _reads(kept, "kb_synonyms") == 1
        set_synonyms(db.session, "居住证", "暂住证", actor=Reviewer())
        db.session.commit()
        assert "暂住证" in load_synonyms(db.session)["居住证"]
