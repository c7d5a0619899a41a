"""举报人 protection inside the text: a 举报's own words never tell a unit who reported.

``caller_view`` (schemas) shows 保密 for a 举报's caller name and phone; this module does the same for what
the reporter wrote or said: ``redact_reporter`` masks, inside free text, the reporter's name (self-
identification and the ticket's own caller name), phone numbers, ID-card numbers, e-mail/QQ/微信 and the
reporter's own home address. It reuses 智能填单's rules (classifier.fill: name patterns, house numbers,
jieba, the gazetteer) and phone finder (classifier.phones, spoken digits included).

The seam is ``ticket_text``: every serialisation of a ticket for a viewer (API dicts, pages, search, lists,
exports, live events) reads title/content/summary/address through it. The database keeps the originals;
masking happens on the way out, for roles outside ``SEES_CALLER`` only.

The address rule (reporter's home vs. the reported place): only a *residence* clause is the reporter's
address — one introduced by 我/本人/我家/a masked self-name + 住在/家住/居住在/住…, or a label such as
住址：/家庭住址：. Everything else (事发地址 field, "楼下餐馆", "东风路9号夜市") is where the problem is and
stays, since the unit needs it to act. Inside a residence clause the area the gazetteer recognises
(district/street/community/小区) stays too — a whole 小区 does not single out a resident, and a 举报 about
"楼下" needs it — while the rest (楼栋、单元、门牌、室, unrecognised places) is masked. Every phone number in
a 举报's text is masked, whoever it belongs to: the unit reaches anyone through the centre.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from classifier.fill import Filler, FillRules
from classifier.phones import find_phones
from hotline.auth.roles import SEES_CALLER, Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hotline.tickets.models import Ticket

NAME = "[姓名已隐去]"
PHONE = "[电话已隐去]"
ID_CARD = "[身份证号已隐去]"
ADDRESS = "[住址已隐去]"
CONTACT = "[联系方式已隐去]"
_SHADOW = "□"  # stands for an already-masked character while later finders run (offsets stay valid)

_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9]\d{5}\s?(?:18|19|20)\d{2}\s?\d{4}\s?\d{3}[\dXx]|\d{6}[*＊]{6,8}\d{3}[\dXx*＊])"
    r"(?![0-9A-Za-z])"
)
_OLD_ID_CARD = re.compile(r"(?<=身份证)(?:号码?)?[:：是为]?\s*(?P<n>\d{15})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+*-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.]+")
_IM = re.compile(r"(?:QQ|qq|微信)(?:号码?)?[:：是为]?\s*(?P<n>[A-Za-z0-9][A-Za-z0-9_-]{4,19})(?![A-Za-z0-9_-])")
# Who lives there: the reporter (我/本人/我家/笔者/举报人…) or a self-name already masked.
_SELF = r"(?:我们家|我家|我们|本人|笔者|我|举报人|反映人|投诉人|来电人|" + _SHADOW + r")"
_LIVES = r"(?:家住在|家住(?![房宅])|居住在|居住于|住在|住于|家在|住(?![址所户房宿]))"
_RESIDENCE = re.compile(
    rf"(?:{_SELF}[，,\s]?(?:现在|现|目前|一直|就|也|是)?{_LIVES}"
    r"|(?:(?<=^)|(?<=[，,。；;！!\s：:]))(?:家住在|家住(?![房宅])|现住在|现住)"
    r"|(?:我们家|我家)(?:就|也)?在"
    r"|(?:家庭住址|现住址|居住地址|户籍地址|家庭地址|住址|住所)(?:是|为|在)?[:：]?)"
    r"\s*"
)
# After the reporter introduced themself (a masked name shortly before), a clause that starts with 住在…,
# or is only a place ending in a house number or village group (本人马娟，L6县连山乡火神坡村十一组人).
_AFTER_NAME = 60
_BARE_LIVES = re.compile(r"(?:(?<=^)|(?<=[，,。；;\s]))(?:现在|现|目前|一直)?(?:住在|居住在|住于)\s*")
_ORIGIN = re.compile(
    r"(?:(?<=^)|(?<=[，,。；;\s）)]))(?:本人是|我是|是)?(?P<place>[^，,。；;！!？?\n□]{2,30}?"
    r"(?:[0-9一二三四五六七八九十百零〇两]+(?:组|号|栋|幢|室|单元)|村|社区))(?:的)?(?:人|村民|居民)?(?=[，,。；;\n]|$)"
)
_NOT_SELF = re.compile(r"被举报|被投诉|被反映")
# Where a residence clause ends: punctuation, a masked span, or the start of what the reporter reports.
# 地址： inside the reporter's own contact block (a name, phone or ID masked just before it) is theirs too.
_CONTACT_ADDRESS = re.compile(r"(?:通讯地址|联系地址|地址)[:：]\s*")
_CONTACT_BLOCK = 30
_CLAUSE_END = re.compile(
    r"[，,。；;！!？?\n（(）)" + _SHADOW + r"]|举报|反映|投诉|发现|楼下|楼上|隔壁|对面|附近|旁边|门口|电话|手机|联系"
    r"|身份证|今年|的时候|这边|那边|有人|有个|有家|有一|经常|每天|天天|最近|因为|由于|想|要求|希望"
    r"|的(?=[\u4e00-\u9fa5]{0,2}(?:先生|女士|小姐|师傅|阿姨|大爷|老人|业主|住户|居民|市民|某|人))"
)
_RESIDENCE_MAX = 40
_WORD_WINDOW = 6
COMMON_WORD = 100  # jieba frequency from which a caller name is more likely a word in the text
_GENERIC_CALLERS = frozenset({"匿名", "市民", "群众", "先生", "女士", "来电人", "举报人", "网友", "未知", "保密"})


# A self-introduction whatever the surname: the 2-3 characters after it are a name unless they are a word.
_ANY_NAME = re.compile(
    r"(?:我叫|本人|我的名字叫做|我的名字叫|我名叫|我名|名字叫做|(?:举报人|联系人|投诉人|反映人|求助人|信访人|姓名)[:：]?)\s*"
    r"(?P<name>[\u4e00-\u9fa5]{2,3})(?=[，,。、\s：:（(；;]|男|女|家住|住在|电话|手机|身份证|联系|今年|$)"
)

_FUNCTION_CHARS = frozenset("的了是在和与也都就被把")  # 本人签的名 is no name

_PLAIN = Filler(None)


@dataclass
class _Masker:
    """The text, a shadow of it with masked spans blanked, and the spans found so far."""

    text: str
    shadow: list[str]
    spans: list[tuple[int, int, str]]

    def mask(self, start: int, end: int, marker: str) -> None:
        if start >= end or _SHADOW in self.shadow[start:end]:
            return
        self.spans.append((start, end, marker))
        self.shadow[start:end] = _SHADOW * (end - start)

    def view(self) -> str:
        return "".join(self.shadow)


Span = tuple[int, int, str]  # start, end, the marker that replaces text[start:end]


def redact_reporter(
    text: str | None,
    *,
    caller_name: str | None = None,
    caller_phone: str | None = None,
    places: Filler | None = None,
    residence: bool = True,
) -> str | None:
    """Return ``text`` with the 举报人's name, phone numbers, ID-card numbers and home address masked.

    ``places`` is 智能填单's Filler (its gazetteer keeps a recognised 小区/街道 of a residence clause); without
    one every residence clause is masked whole. ``residence=False`` leaves addresses alone (the 事发地址 field).
    """
    if not text:
        return text
    out, last = [], 0
    for start, end, marker in reporter_spans(
        text, caller_name=caller_name, caller_phone=caller_phone, places=places, residence=residence
    ):
        out += [text[last:start], marker]
        last = end
    out.append(text[last:])
    return "".join(out)


def reporter_spans(
    text: str,
    *,
    caller_name: str | None = None,
    caller_phone: str | None = None,
    places: Filler | None = None,
    residence: bool = True,
) -> tuple[Span, ...]:
    """Return the spans ``redact_reporter`` masks, in order (for measuring and for highlighting)."""
    return _spans(text, (caller_name or "").strip(), re.sub(r"\D", "", caller_phone or ""), places, residence)


@lru_cache(maxsize=4096)
def _spans(text: str, caller_name: str, caller_phone: str, places: Filler | None, residence: bool) -> tuple[Span, ...]:
    filler = places or _PLAIN
    m = _Masker(text, list(text), [])
    for found in _ID_CARD.finditer(text):
        m.mask(*found.span(), ID_CARD)
    for found in _OLD_ID_CARD.finditer(text):
        m.mask(*found.span("n"), ID_CARD)
    for found in _EMAIL.finditer(text):
        m.mask(*found.span(), CONTACT)
    for found in _IM.finditer(text):
        m.mask(*found.span("n"), CONTACT)
    _mask_phones(m, caller_phone)
    _mask_names(m, caller_name, filler)
    if residence:
        _mask_residence(m, filler)
    return tuple(sorted(m.spans))


def _mask_phones(m: _Masker, caller_phone: str) -> None:
    # find_phones names each number once: search again after masking until no number is left.
    for _ in range(50):
        mentions = find_phones(m.view())
        if not mentions:
            break
        for p in mentions:
            m.mask(p.start, p.end, PHONE)
    if len(caller_phone) >= 5:  # the ticket's own number however it is written (separators between digits)
        pattern = r"(?<!\d)" + r"[\s-]?".join(caller_phone) + r"(?!\d)"
        for found in re.finditer(pattern, m.view()):
            m.mask(*found.span(), PHONE)


def _mask_names(m: _Masker, caller_name: str, filler: Filler) -> None:
    rules = filler.rules
    names: set[str] = set()
    surnames: set[str] = set()
    view = m.view()
    for pattern in rules.name_patterns:  # 我叫张伟 / 本人李明 / 举报人：王五
        for found in pattern.finditer(view):
            name = found.group("name")
            given = name[len(_surname(name, rules)) :]
            if not given or any(given.startswith(w) for w in rules.not_names):
                continue
            m.mask(*found.span("name"), NAME)
            if not name.endswith(("某", "*", "＊")):
                names.add(name)
    view = m.view()
    for pattern in rules.surname_patterns:  # 我姓王 / 我是王先生 / 王女士您好
        for found in pattern.finditer(view):
            groups = found.groupdict()
            end = found.end("given") if groups.get("given") else found.end("surname")
            if groups.get("honorific"):
                end = found.end("honorific")
            m.mask(found.start("surname"), end, NAME)
            surnames.add(found.group("surname"))
            if groups.get("given"):
                names.add(found.group("surname") + groups["given"])
    view = m.view()
    frequency = filler.tokenizer().FREQ
    for found in _ANY_NAME.finditer(view):  # 本人奉丹，: a surname the rules do not list, a word jieba does not know
        name = found.group("name")
        if (
            frequency.get(name, 0) < COMMON_WORD
            and not _FUNCTION_CHARS.intersection(name)
            and not any(name.startswith(w) for w in rules.not_names)
        ):
            m.mask(*found.span("name"), NAME)
            names.add(name)
    if len(caller_name) >= 2 and caller_name not in _GENERIC_CALLERS:
        names.add(caller_name)
    for name in names:
        _mask_everywhere(m, name, filler)
    if surnames:  # 我姓刘 … 刘女士: their salutation (not from a full name: 我叫王建国 … 隔壁王先生 is another 王)
        salutation = "(?:" + "|".join(map(re.escape, sorted(surnames))) + ")(?:先生|女士|小姐|阿姨|大姐|大哥|师傅)"
        for found in re.finditer(salutation, m.view()):
            m.mask(*found.span(), NAME)


def _mask_everywhere(m: _Masker, name: str, filler: Filler) -> None:
    """Mask every occurrence of the reporter's ``name`` that is a name there, not part of a longer word.

    A name that is also a common word (高峰, 文明: jieba frequency ≥ ``COMMON_WORD``) is masked only where
    the reporter introduces themself; elsewhere it is most likely the word (早高峰).
    """
    tokenizer = filler.tokenizer()
    if tokenizer.FREQ.get(name, 0) >= COMMON_WORD:
        return
    view = m.view()
    for found in re.finditer(re.escape(name), view):
        start, end = found.span()
        # jieba on a window around the occurrence is enough to see the word it sits in, and cheap.
        left = max(0, start - _WORD_WINDOW)
        window = view[left : end + _WORD_WINDOW]
        inside = any(
            a <= start - left and end - left <= b and b - a > len(name) for _, a, b in tokenizer.tokenize(window)
        )
        if not inside:
            m.mask(start, end, NAME)


def _mask_residence(m: _Masker, filler: Filler) -> None:
    view = m.view()
    names = [a for a, _, marker in m.spans if marker == NAME]

    def after_name(at: int) -> bool:
        return any(0 <= at - a <= _AFTER_NAME for a in names)

    leads = [lead.end() for lead in _RESIDENCE.finditer(view)]
    leads += [lead.end() for lead in _BARE_LIVES.finditer(view) if after_name(lead.start())]
    leads += [
        lead.end()
        for lead in _CONTACT_ADDRESS.finditer(view)
        if _SHADOW in view[max(0, lead.start() - _CONTACT_BLOCK) : lead.start()]
    ]
    for start in sorted(leads):
        if view[start : start + 1] in ("的", "") or _not_self(view, start):  # 我住的小区 names no address
            continue
        stop = _CLAUSE_END.search(view, start, start + _RESIDENCE_MAX)
        end = stop.start() if stop else min(len(view), start + _RESIDENCE_MAX)
        _mask_place(m, start, len(view[start:end].rstrip()), view, filler)
    for origin in _ORIGIN.finditer(m.view()):
        start, end = origin.span("place")
        if after_name(start) and not _not_self(view, start):
            _mask_place(m, start, end - start, view, filler)


def _not_self(view: str, at: int) -> bool:
    """Return whether the sentence before ``at`` is about the reported (被举报人…), not the reporter."""
    begin = max(view.rfind(c, 0, at) for c in "。！？!?\n") + 1
    return bool(_NOT_SELF.search(view, begin, at))


def _mask_place(m: _Masker, start: int, length: int, view: str, filler: Filler) -> None:
    """Mask a residence clause but for the area the gazetteer knows at its front."""
    clause = view[start : start + length]
    if not clause.strip():
        return
    keep = _area_prefix(clause, filler)
    if keep < len(clause):
        m.mask(start + keep, start + len(clause), ADDRESS)


def _area_prefix(clause: str, filler: Filler) -> int:
    """Return how much of a residence clause is an area the gazetteer knows (it stays), 0 when none."""
    resolver = filler.resolver
    if resolver is None:
        return 0
    area = resolver.match(clause, fuzzy=False)
    said = area.matched_text if area is not None else ""
    if not said:
        return 0
    at = clause.upper().find(said.upper())
    return at + len(said) if at >= 0 else 0


def _surname(name: str, rules: FillRules) -> str:
    return name[:2] if name[:2] in rules.compound_surnames else name[:1]


# --- the seam: a ticket's text as a viewer may read it -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketText:
    """The free-text fields of a ticket as one viewer may read them."""

    title: str
    content: str
    summary: str | None
    address: str | None


class Viewer(Protocol):
    @property
    def role_enum(self) -> Role: ...


def hides_reporter(ticket: Ticket, viewer: Viewer | None) -> bool:
    """Return whether ``viewer`` must not learn who filed ``ticket`` (a 举报, a role outside SEES_CALLER)."""
    return ticket.kind == "report" and (viewer is None or viewer.role_enum not in SEES_CALLER)


def _app_places() -> Filler | None:
    """Return the app's 智能填单 Filler (its gazetteer), once per app context; None outside an app."""
    from flask import g, has_app_context

    if not has_app_context():
        return None
    places = g.get("reporter_places")
    if places is None:
        from hotline.console.fill import filler_for
        from hotline.core.extensions import db

        places = g.reporter_places = filler_for(db.session)  # a list of 50 举报 asks the gazetteer once
    return places


def redact_for(ticket: Ticket, viewer: Viewer | None, text: str | None, *, residence: bool = True) -> str | None:
    """Return one text of ``ticket`` (a title, a note) as ``viewer`` may read it."""
    if not text or not hides_reporter(ticket, viewer):
        return text
    return redact_reporter(
        text,
        caller_name=ticket.caller_name,
        caller_phone=ticket.caller_phone,
        places=_app_places(),
        residence=residence,
    )


def ticket_text(ticket: Ticket, viewer: Viewer | None) -> TicketText:
    """Return title, content, summary and address of ``ticket`` as ``viewer`` may read them."""
    if not hides_reporter(ticket, viewer):
        return TicketText(ticket.title, ticket.content, ticket.summary, ticket.address)
    places = _app_places()

    def redact(text: str | None, residence: bool = True) -> str | None:
        return redact_reporter(
            text,
            caller_name=ticket.caller_name,
            caller_phone=ticket.caller_phone,
            places=places,
            residence=residence,
        )

    # The 事发地址 field is where the problem is: numbers and names masked, the place kept.
    return TicketText(
        redact(ticket.title) or "", redact(ticket.content) or "", redact(ticket.summary), redact(ticket.address, False)
    )


def mask_row_titles(session: Session, rows: list[dict], viewer: Viewer | None) -> list[dict]:
    """Mask, in place, the ``title`` of the 举报 among report rows (``number`` + ``title`` dicts) for ``viewer``."""
    if viewer is not None and viewer.role_enum in SEES_CALLER:
        return rows
    from sqlalchemy import select

    from hotline.tickets.models import Ticket

    numbers = [row["number"] for row in rows if row.get("title")]
    reports: dict[str, Ticket] = {}
    for chunk in range(0, len(numbers), 500):
        query = select(Ticket).where(Ticket.number.in_(numbers[chunk : chunk + 500]), Ticket.kind == "report")
        reports.update((t.number, t) for t in session.scalars(query))
    for row in rows:
        ticket = reports.get(row["number"])
        if ticket is not None:
            row["title"] = redact_for(ticket, viewer, row["title"])
    return rows


def found_by_text(ticket: Ticket, viewer: Viewer | None, q: str) -> bool:
    """Return whether ``q`` is in what ``viewer`` may read of ``ticket`` (number, title, content, address).

    A text search must not find a 举报 through its masked words: a unit searching a name would learn that
    this person reported, even though the result shows 保密 and the masks.
    """
    if not hides_reporter(ticket, viewer):
        return True
    text = ticket_text(ticket, viewer)
    return q == ticket.number or any(q in (part or "") for part in (text.title, text.content, text.address))
