"""Recording the enterprise behind a 涉企 ticket; the credit code is checked with python-stdnum (GB 32100-2015)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from hotline.auth.models import User
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.enterprise.models import Enterprise, TicketEnterprise
from hotline.tickets.events import record_event
from hotline.tickets.models import Ticket


@dataclass(frozen=True)
class EnterpriseInfo:
    """What the caller tells about the enterprise."""

    name: str
    credit_code: str
    contact_name: str | None = None
    contact_phone: str | None = None


def check_credit_code(raw: str) -> str:
    """Return the 统一社会信用代码 in ``raw`` normalised (upper case, no spaces), or refuse with 422 in Chinese."""
    try:
        return uscc.validate(raw or "")
    except InvalidLength:
        message = "统一社会信用代码应为 18 位"
    except InvalidChecksum:
        message = "统一社会信用代码校验位不正确，请核对"
    except (InvalidFormat, ValidationError):
        message = "统一社会信用代码格式不正确（只能含数字和除 I、O、Z、S、V 外的大写字母）"
    raise DomainError(422, "invalid_credit_code", message, field="credit_code")


def parse_enterprise(raw: object) -> EnterpriseInfo | None:
    """Read ``{name, credit_code, contact_name?, contact_phone?}`` (None when absent), refusing bad input with 422."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise DomainError(422, "invalid_type", "企业信息（enterprise_info）须为 JSON 对象", field="enterprise_info")

    def text(name: str, limit: int, label: str, required: bool = False) -> str | None:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise DomainError(422, "missing_field", f"请填写{label}（{name}）", field=name)
            return None
        if not isinstance(value, str) or len(value.strip()) > limit:
            raise DomainError(422, "invalid_type", f"{label}须为不超过 {limit} 字的文字", field=name)
        return value.strip()

    name = text("name", 200, "企业名称", required=True) or ""
    code = check_credit_code(text("credit_code", 40, "统一社会信用代码", required=True) or "")
    return EnterpriseInfo(name, code, text("contact_name", 80, "企业联系人"), text("contact_phone", 30, "联系电话"))


def enterprise_for(session: Session, info: EnterpriseInfo, moment: dt.datetime) -> Enterprise:
    """Return the enterprise with this credit code, creating it (the code identifies it; the name may be updated)."""
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == info.credit_code))
    if enterprise is None:
        enterprise = Enterprise(credit_code=info.credit_code, name=info.name, created_at=moment)
        session.add(enterprise)
        session.flush()
    elif enterprise.name != info.name:
        enterprise.name = info.name
    return enterprise


def ledger_row_for(session: Session, ticket: Ticket, moment: dt.datetime) -> TicketEnterprise:
    """Return the ticket's ledger row, creating an empty one for a 涉企 ticket without an enterprise yet."""
    row = session.scalar(select(TicketEnterprise).where(TicketEnterprise.ticket_id == ticket.id))
    if row is None:
        row = TicketEnterprise(ticket_id=ticket.id, created_at=moment)
        session.add(row)
    return row


def record_enterprise(
    session: Session, ticket: Ticket, info: EnterpriseInfo, actor: User | None, *, now: dt.datetime | None = None
) -> TicketEnterprise:
    """Mark ``ticket`` 涉企 and link it to the enterprise and contact in ``info`` (recorded in the trail)."""
    moment = now or clock.now()
    enterprise = enterprise_for(session, info, moment)
    row = ledger_row_for(session, ticket, moment)
    row.enterprise, row.contact_name, row.contact_phone = enterprise, info.contact_name, info.contact_phone
    ticket.is_enterprise = True
    record_event(
        session,
        ticket,
        "enterprise",
        actor,
        from_state=ticket.state,
        to_state=ticket.state,
        moment=moment,
        note=f"涉企：{enterprise.name}（{enterprise.credit_code}）",
        data={"enterprise": enterprise.name, "credit_code": enterprise.credit_code},
    )
    session.flush()
    return row
