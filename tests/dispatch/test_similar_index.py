"""The 并单 index: every open ticket is a candidate, closed ones drop out, the sweep heals what intake missed."""

from __future__ import annotations

from sqlalchemy import func, select

TEXT = "春天小区南门的路灯坏了两个多月，晚上一片漆黑，老人孩子出行很不安全，希望尽快修复。"
AGAIN = "春天小区南门路灯坏了两个多月了，晚上一片漆黑，老人孩子出行很不安全"


def _bands_of(app, number: str) -> int:
    from dispatch.models import SimilarBand
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        tid = db.session.scalar(select(Ticket.id).where(Ticket.number == number))
        count = db.session.scalar(select(func.count()).select_from(SimilarBand).where(SimilarBand.ticket_id == tid))
        db.session.remove()
        return count


def _similar(app, text: str, area: str | None = None) -> list[str]:
    from dispatch.similar_index import find_similar
    from hotline.core.extensions import db

    with app.app_context():
        found = find_similar(db.session, text, area, district="A1" if area else None)
        db.session.remove()
    return [s["number"] for s in found]


def test_an_old_ticket_behind_many_newer_ones_is_still_found(api, app, demo_city, no_classifier):
    from dispatch.similar_index import index_ticket
    from hotline.core.extensions import db
    from hotline.tickets.services import NewTicket, register_ticket

    first = api.new_ticket(content=TEXT, address="春天小区")
    assert _bands_of(app, first["number"]) > 10
    with app.app_context():  # 1,200 newer open tickets: today's method looked at the newest 300 or 1,000 only
        for i in range(1200):
            ticket, _ = register_ticket(
                db.session, NewTicket(channel="phone", content=f"公积金提取第{i}号咨询，材料清单"), None
            )
            index_ticket(db.session, ticket.id, f"{ticket.title} 咨询编号{i} 公积金提取需要哪些材料和流程")
        db.session.commit()
        db.session.remove()
    assert _similar(app, AGAIN, first["area"]["code"]) == [first["number"]]


def test_closed_and_merged_tickets_drop_out_and_the_sweep_prunes_them(api, app, demo_city, no_classifier):
    from dispatch.tasks import maintain_similar_index

    first = api.new_ticket(content=TEXT, address="春天小区")
    second = api.new_ticket(content=AGAIN, address="春天小区")
    assert api.act(second["number"], "merge", as_="dispatcher1", into=first["number"]).status_code == 200
    assert _similar(app, AGAIN, first["area"]["code"]) == [
        first["number"]
    ]  # the merged one is out at once, before any sweep
    assert _bands_of(app, second["number"]) > 0
    with app.app_context():
        assert maintain_similar_index()["pruned"] > 0
    assert _bands_of(app, second["number"]) == 0 and _bands_of(app, first["number"]) > 0


def test_the_sweep_indexes_open_tickets_that_have_no_bands(app, demo_city):
    from dispatch.tasks import maintain_similar_index
    from hotline.core.extensions import db
    from hotline.tickets.services import NewTicket, register_ticket

    with app.app_context():  # registered outside intake (as a bulk import or a reopened ticket would be)
        ticket, _ = register_ticket(db.session, NewTicket(channel="phone", content=TEXT), None)
        number = ticket.number
        db.session.commit()
        db.session.remove()
    assert _bands_of(app, number) == 0 and _similar(app, AGAIN, None) == []
    with app.app_context():
        assert maintain_similar_index()["indexed"] == 1
    assert _bands_of(app, number) > 0 and _similar(app, AGAIN, None) == [number]


def test_the_same_complaint_in_another_district_is_not_proposed(api, app, demo_city, no_classifier):
    first = api.new_ticket(content=TEXT, address="春天小区")
    assert _similar(app, AGAIN, first["area"]["code"]) == [first["number"]]
    from dispatch.similar_index import find_similar
    from hotline.core.extensions import db

    with app.app_context():
        assert find_similar(db.session, AGAIN, "A3", district="A3") == []
        db.session.remove()
