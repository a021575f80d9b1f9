"""The cases service: open, find, update a seller's complaint cases, and keep their deadlines.

A case belongs to the seller who opened it (platform + user id) and to the same person on other
platforms once their members are linked (`members.person_id`). Every change happens in one
transaction with the row locked, so two button presses never lose each other's update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chatbot import identity
from chatbot.context import Context
from chatbot.db.models import Member
from chatbot.notices import business_days
from chatbot.notices import deadlines as dl
from chatbot.notices.checklists import TYPES, checklist
from chatbot.notices.models import Case, CaseDeadline
from chatbot.notices.parser import ParsedNotice

MAX_NOTICE_TEXT = 60_000
MAX_STOREFRONTS = 20
STEP_STATES = ("done", "skipped", "todo")


class CaseNotFound(LookupError):
    """No such case, or not one of this seller's (we do not say which)."""


@dataclass(frozen=True)
class Owner:
    platform: str
    user: str


def _person_ids(session: Session, owner: Owner) -> tuple[Member | None, list[int]]:
    """The seller's member row and the ids of every member row of the same person."""
    return identity.person_member_ids(session, owner.platform, owner.user)


def _visible(session: Session, owner: Owner) -> Any:
    _, ids = _person_ids(session, owner)
    mine = (Case.platform == owner.platform) & (Case.user_id == owner.user)
    return or_(mine, Case.person_id.in_(ids)) if ids else mine


class CaseService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- reading ----------------------------------------------------------------------------
    def list_for(self, owner: Owner, *, include_closed: bool = True, limit: int = 50) -> list[Case]:
        with self.ctx.db.session() as session:
            stmt = select(Case).where(_visible(session, owner))
            if not include_closed:
                stmt = stmt.where(Case.status == "open")
            stmt = stmt.order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)
            cases = list(session.scalars(stmt).all())
            session.expunge_all()
            return cases

    def latest(self, owner: Owner) -> Case | None:
        cases = self.list_for(owner, include_closed=False, limit=1)
        return cases[0] if cases else None

    def get(self, case_id: int, owner: Owner) -> Case:
        """The case, if `owner` (the person, across linked accounts) may see it; CaseNotFound
        otherwise, without saying whether it exists. Every path (chat, CLI, Slack, WeCom) asks
        through here: there is no "any owner" read."""
        with self.ctx.db.session() as session:
            stmt = select(Case).where(Case.id == case_id, _visible(session, owner))
            case = session.scalars(stmt).first()
            if case is None:
                raise CaseNotFound(case_id)
            session.expunge_all()
            return case

    # -- writing ----------------------------------------------------------------------------
    def open(self, owner: Owner, lang: str, notice: ParsedNotice | None = None, *,
             notice_text: str = "", complaint_type: str | None = None) -> Case:
        with self.ctx.db.session() as session:
            member, _ = _person_ids(session, owner)
            if member is None:
                member = Member(platform=owner.platform, external_id=owner.user, lang=lang)
                session.add(member)
                session.flush()
            now = self.ctx.clock()
            case = Case(
                platform=owner.platform, user_id=owner.user, person_id=member.person_id or member.id,
                status="open", lang=lang, complaint_type="unknown", complaint_id="", asins=[],
                rights_owner="", rights_owner_email="", ip_numbers={}, marketplace="",
                notice_text="", storefront_urls=[], brand="", steps={}, created_at=now, updated_at=now,
            )
            session.add(case)
            if notice is not None:
                _apply_notice(case, notice, notice_text)
            if complaint_type in TYPES:
                case.complaint_type = complaint_type
            session.flush()
            self._refresh_deadlines(session, case)
            session.flush()
            session.expunge_all()
            return case

    def update(self, case_id: int, owner: Owner, **changes: Any) -> Case:
        """Change case facts. Known keys: complaint_type, complaint_id, asins (added),
        rights_owner, rights_owner_email, listing_date, brand, storefront (added), notice
        (a ParsedNotice, with notice_text), status."""
        with self.ctx.db.session() as session:
            case = self._locked(session, case_id, owner)
            if "notice" in changes:
                _apply_notice(case, changes.pop("notice"), changes.pop("notice_text", ""))
            if "storefront" in changes:
                url = changes.pop("storefront")
                if url not in case.storefront_urls:
                    case.storefront_urls = [*case.storefront_urls, url][-MAX_STOREFRONTS:]
            if "asins" in changes:
                added = [a for a in changes.pop("asins") if a not in case.asins]
                case.asins = [*case.asins, *added]
            for key, value in changes.items():
                if key not in {"complaint_type", "complaint_id", "rights_owner", "rights_owner_email",
                               "listing_date", "brand", "status", "marketplace", "notice_date"}:
                    raise ValueError(f"unknown case field {key!r}")
                setattr(case, key, value)
            case.updated_at = self.ctx.clock()
            self._refresh_deadlines(session, case)
            session.flush()
            session.expunge_all()
            return case

    def set_step(self, case_id: int, owner: Owner, step_id: str, state: str,
                 on: date | None = None) -> Case:
        """Mark a checklist step done / skipped / todo; a step with a deadline starts it."""
        if state not in STEP_STATES:
            raise ValueError(f"unknown step state {state!r}")
        with self.ctx.db.session() as session:
            case = self._locked(session, case_id, owner)
            step = checklist(case.complaint_type).step(step_id)
            if step is None:
                raise KeyError(step_id)
            steps = dict(case.steps)
            if state == "todo":
                steps.pop(step.id, None)
            else:
                steps[step.id] = state
            case.steps = steps
            case.updated_at = self.ctx.clock()
            if step.deadline == "counter_notice_window":
                if state == "done":
                    self._counter_notice_filed(session, case, on or self.ctx.clock().date())
                else:
                    for deadline in list(case.deadlines):
                        if deadline.kind.startswith("counter_notice_"):
                            case.deadlines.remove(deadline)
            session.flush()
            session.expunge_all()
            return case

    # -- internals --------------------------------------------------------------------------
    def _locked(self, session: Session, case_id: int, owner: Owner) -> Case:
        stmt = select(Case).where(Case.id == case_id, _visible(session, owner))
        case = session.scalars(stmt.with_for_update()).first()
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def _set_deadline(self, case: Case, kind: str, day: date, note: dict[str, Any]) -> None:
        due = dl.at_midnight(day)
        for deadline in case.deadlines:
            if deadline.kind == kind:
                if deadline.due_at != due:
                    deadline.due_at, deadline.note, deadline.reminded_at = due, note, None
                return
        case.deadlines.append(CaseDeadline(kind=kind, due_at=due, note=note, created_at=self.ctx.clock()))

    def _drop_deadline(self, case: Case, kind: str) -> None:
        for deadline in list(case.deadlines):
            if deadline.kind == kind:
                case.deadlines.remove(deadline)

    def _refresh_deadlines(self, session: Session, case: Case) -> None:
        start = case.notice_date or case.created_at.date()
        basis = "notice_date" if case.notice_date else "case_opened"
        self._set_deadline(case, "inventory_removal", start + timedelta(days=dl.INVENTORY_DAYS),
                           {"from": start.isoformat(), "basis": basis, "days": dl.INVENTORY_DAYS})
        if case.complaint_type == "patent":
            self._set_deadline(case, "apex_response", start + timedelta(days=dl.APEX_RESPONSE_DAYS),
                               {"from": start.isoformat(), "basis": basis, "days": dl.APEX_RESPONSE_DAYS})
        else:
            self._drop_deadline(case, "apex_response")

    def _counter_notice_filed(self, session: Session, case: Case, filed: date) -> None:
        first, last = dl.COUNTER_NOTICE_BUSINESS_DAYS
        start = business_days.add_business_days(filed, first)
        end = business_days.add_business_days(filed, last)
        note = {"filed": filed.isoformat(), "business_days": [first, last],
                "calendar": business_days.CALENDAR, "holidays": business_days.holidays_between(filed, end)}
        self._set_deadline(case, "counter_notice_restore_from", start, note)
        self._set_deadline(case, "counter_notice_restore_by", end, note)


def _apply_notice(case: Case, notice: ParsedNotice, notice_text: str) -> None:
    """Fill what the notice shows; never blank out what the seller already told us."""
    if notice.complaint_id:
        case.complaint_id = notice.complaint_id[:64]
    if notice.asins:
        case.asins = [*case.asins, *(a for a in notice.asins if a not in case.asins)][:100]
    if notice.complaint_type:
        case.complaint_type = notice.complaint_type
    if notice.rights_owner:
        case.rights_owner = notice.rights_owner[:200]
    if notice.rights_owner_email:
        case.rights_owner_email = notice.rights_owner_email[:320]
    numbers = dict(case.ip_numbers or {})
    for key, values in (("trademark", notice.trademark_numbers), ("patent", notice.patent_numbers),
                        ("registration", notice.registration_numbers)):
        if values:
            numbers[key] = [*numbers.get(key, []), *(v for v in values if v not in numbers.get(key, []))]
    case.ip_numbers = numbers
    if notice.marketplace:
        case.marketplace = notice.marketplace
    if notice.notice_date:
        case.notice_date = date.fromisoformat(notice.notice_date)
    if notice_text:
        case.notice_text = notice_text[:MAX_NOTICE_TEXT]


def step_state(case: Case, step_id: str) -> str:
    return case.steps.get(step_id, "todo")


def case_summary(case: Case) -> dict[str, Any]:
    """Machine-readable case, for `Reply.data` (console --json, App Home)."""
    items = checklist(case.complaint_type).steps
    return {
        "id": case.id,
        "status": case.status,
        "platform": case.platform,
        "user": case.user_id,
        "complaint_type": case.complaint_type,
        "complaint_id": case.complaint_id,
        "asins": list(case.asins),
        "rights_owner": case.rights_owner,
        "rights_owner_email": case.rights_owner_email,
        "ip_numbers": dict(case.ip_numbers or {}),
        "marketplace": case.marketplace,
        "notice_date": case.notice_date.isoformat() if case.notice_date else None,
        "storefront_urls": list(case.storefront_urls),
        "listing_date": case.listing_date.isoformat() if case.listing_date else None,
        "brand": case.brand,
        "steps": [{"id": s.id, "state": step_state(case, s.id)} for s in items],
        "deadlines": [{"kind": d.kind, "due": d.due_at.date().isoformat(), "note": d.note}
                      for d in case.deadlines],
        "updated_at": case.updated_at.isoformat(),
    }
