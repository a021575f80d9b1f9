"""Reports, moderation, appeals, lookups and signals: every rule that keeps the list trustworthy.

- A report stays `reported` until a moderator lists it (or, when configured, N independent
  reporters do); a reporter counts once per entry and never approves their own report.
- Identity is the person (`members.person_id`), not the account: accounts joined with /link
  count once as reporters, share one rate limit, and a moderator's linked account is still them.
- Appeals: one per entry per cooldown (setting), counted against the appellant's rate limit;
  evidence already decided on does not reopen the entry.
- Every state change and every report writes an audit row in the same transaction.
- Concurrent reports of one site: the unit is unique, so one writer creates the entry and the
  others find it; the entry row is locked (FOR UPDATE on PostgreSQL; SQLite writers are already
  serialised by BEGIN IMMEDIATE) while reporters are counted.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chatbot import identity
from chatbot.blocklist import lookup
from chatbot.blocklist.errors import invalid, refused
from chatbot.blocklist.guardrails import protected_match
from chatbot.blocklist.lookup import ENTRY_COLUMNS, LINK_KINDS, codes, entry_fields, iso
from chatbot.blocklist.models import (
    CATEGORIES,
    MAX_NOTES,
    MAX_REASON,
    AuditRow,
    Entry,
    Liveness,
    Report,
    Signal,
)
from chatbot.blocklist.normalize import InvalidSite, Site, normalize_site
from chatbot.context import Context
from chatbot.db.inserts import insert_ignore_many

SIGNAL_KINDS = (*LINK_KINDS, "registrar", "abuse_contact")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_COMPLAINT_ID = re.compile(r"^[A-Za-z0-9-]{4,64}$")
OPEN_STATES = ("reported", "disputed")
MAX_APPEALS_COMPARED = 50  # earlier appeals of one entry checked for repeated evidence


@dataclass(frozen=True)
class Actor:
    id: str  # platform:user, as claimed (the terminal trusts --user as typed)
    is_moderator: bool = False
    os_user: str | None = None  # who ran the terminal command; recorded beside `id` in the audit


@dataclass(frozen=True)
class ReportInput:
    url: str
    reason: str
    category: str = "other"
    complaint_id: str = ""
    rights_owner: str = ""
    rights_owner_email: str = ""
    links: tuple[str, ...] = ()
    notes: str = ""
    lookup_id: str = ""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """Free text as stored: trimmed, without control characters (PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", value or "").strip()


def site_or_error(text: str) -> Site:
    try:
        return normalize_site(text)
    except InvalidSite as exc:
        raise invalid(f"site_{exc.code}", site=(text or "").strip()[:200]) from None


def validate_report(data: ReportInput) -> ReportInput:
    """Clean and check a report before anything is written; raise `invalid` with what is wrong."""
    category = (data.category or "other").strip().lower()
    if category not in CATEGORIES:
        raise invalid("unknown_category", category=data.category[:40], choices=", ".join(CATEGORIES))
    reason = clean_text(data.reason)
    if not reason:
        raise invalid("empty_reason")
    if len(reason) > MAX_REASON:
        raise invalid("reason_too_long", size=len(reason), limit=MAX_REASON)
    notes = clean_text(data.notes)
    if len(notes) > MAX_NOTES:
        raise invalid("notes_too_long", size=len(notes), limit=MAX_NOTES)
    complaint_id = clean_text(data.complaint_id)
    if complaint_id and not _COMPLAINT_ID.match(complaint_id):
        raise invalid("bad_complaint_id", value=complaint_id[:80])
    email = clean_text(data.rights_owner_email).lower()
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise invalid("bad_email", value=email[:80])
    links = tuple(clean_text(link) for link in data.links if clean_text(link))
    if len(links) > 20 or any(len(link) > 2048 for link in links):
        raise invalid("too_many_links", limit=20)
    for link in links:
        site_or_error(link)
    lookup_id = clean_text(data.lookup_id)
    if len(lookup_id) > 64:
        raise invalid("bad_lookup_id", value=lookup_id[:80])
    return ReportInput(url=clean_text(data.url), reason=reason, category=category,
                       complaint_id=complaint_id, rights_owner=clean_text(data.rights_owner)[:200],
                       rights_owner_email=email, links=links, notes=notes, lookup_id=lookup_id)


class BlocklistService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self._entries = Entry.__table__
        self._liveness = Liveness.__table__
        self._signals = Signal.__table__

    # -- helpers ----------------------------------------------------------------------------
    @property
    def settings(self) -> Any:
        return self.ctx.settings

    def now(self) -> datetime:
        return self.ctx.clock()

    def _lock(self, session: Session, entry_id: int) -> Entry | None:
        stmt = select(Entry).where(Entry.id == entry_id).execution_options(populate_existing=True)
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        return session.scalars(stmt).first()

    def _entry(self, session: Session, ref: int | str) -> Entry:
        """An entry by id (or "#id") or by a site; refused when there is none."""
        entry_id = _as_id(ref)
        if entry_id is not None:
            entry = self._lock(session, entry_id)
        else:
            site = site_or_error(str(ref))
            found = session.scalars(select(Entry.id).where(Entry.unit == site.unit)).first()
            entry = self._lock(session, found) if found is not None else None
        if entry is None:
            raise refused("not_found", ref=str(ref)[:200])
        return entry

    def _audit(self, session: Session, entry: Entry, actor: str | Actor, action: str, before: str | None,
               after: str | None, reason: str = "", **detail: Any) -> None:
        who, os_user = (actor.id, actor.os_user) if isinstance(actor, Actor) else (actor, None)
        session.add(AuditRow(entry_id=entry.id, actor=who, os_user=os_user, action=action, before=before,
                             after=after, reason=reason, detail=detail, created_at=self.now()))

    def _set_state(self, session: Session, entry: Entry, actor: str | Actor, action: str, after: str,
                   reason: str = "", **detail: Any) -> None:
        before = entry.state
        if before == "disputed" and after != "disputed":
            detail["appeal_decided"] = True  # a repeat of this appeal's evidence will not reopen it
        now = self.now()
        entry.state = after
        entry.updated_at = now
        if after == "listed":
            entry.listed_at = now
        if after != "disputed":
            entry.prior_state = None
        self._audit(session, entry, actor, action, before, after, reason, **detail)
        session.flush()

    @staticmethod
    def _moderator(actor: Actor) -> None:
        if not actor.is_moderator:
            raise refused("moderators_only")

    @staticmethod
    def _reason(reason: str, *, required: bool) -> str:
        reason = clean_text(reason)
        if required and not reason:
            raise invalid("empty_decision_reason")  # a moderator's reason, not a report's
        if len(reason) > MAX_REASON:
            raise invalid("reason_too_long", size=len(reason), limit=MAX_REASON)
        return reason

    # -- reports ----------------------------------------------------------------------------
    def report(self, actor: Actor, data: ReportInput) -> dict[str, Any]:
        """File a report; returns the receipt (id, unit, state, reporters, duplicate, flags)."""
        site = site_or_error(data.url)
        data = validate_report(data)
        protected = protected_match(site)
        if protected is not None:
            raise refused("protected", site=site.unicode_unit, match=protected)
        now = self.now()
        with self.db.session() as session:
            accounts = identity.accounts_of(session, actor.id)
            self._rate_limit(session, accounts, now)
            entry, created = self._get_or_create(session, site, now)
            if entry.state == "merged" and entry.merged_into is not None:
                target = self._lock(session, entry.merged_into)
                entry = target if target is not None else entry
            mine = session.scalars(select(Report).where(
                Report.entry_id == entry.id, Report.reporter.in_(accounts))).first()
            if mine is not None:
                return self._receipt(entry, site, mine.id, duplicate=True)
            report = Report(entry_id=entry.id, reporter=actor.id, category=data.category,
                            reason=data.reason, url=data.url[:2048], complaint_id=data.complaint_id,
                            rights_owner=data.rights_owner, rights_owner_email=data.rights_owner_email,
                            links=list(data.links), notes=data.notes, lookup_id=data.lookup_id,
                            created_at=now)
            session.add(report)
            session.flush()
            entry.reporters = self._reporters(session, entry.id)
            entry.reasons = ",".join(sorted({*codes(entry.reasons), data.category}))
            entry.updated_at = now
            self._audit(session, entry, actor, "create" if created else "report",
                        None if created else entry.state, entry.state,
                        category=data.category, report_id=report.id)
            self._maybe_auto_list(session, entry)
            insert_ignore_many(session, self._signals, _report_signals(site, data, now))
            session.flush()
            return self._receipt(entry, site, report.id, duplicate=False)

    def _rate_limit(self, session: Session, accounts: list[str], now: datetime) -> None:
        """Reports and appeals by one person (all their linked accounts) in the rate window."""
        window = now - timedelta(seconds=self.settings.report_rate_window_seconds)
        reports = session.scalar(select(func.count(Report.id)).where(
            Report.reporter.in_(accounts), Report.created_at >= window)) or 0
        appeals = session.scalar(select(func.count(AuditRow.id)).where(
            AuditRow.action == "appeal", AuditRow.actor.in_(accounts), AuditRow.created_at >= window)) or 0
        if reports + appeals >= self.settings.report_rate_limit:
            minutes = max(1, self.settings.report_rate_window_seconds // 60)
            raise refused("rate_limited", limit=self.settings.report_rate_limit, minutes=minutes)

    @staticmethod
    def _reporters(session: Session, entry_id: int) -> int:
        """Independent reporters of an entry: distinct people, not accounts."""
        return len(identity.persons(session, session.scalars(
            select(Report.reporter).where(Report.entry_id == entry_id))))

    def _get_or_create(self, session: Session, site: Site, now: datetime) -> tuple[Entry, bool]:
        found = session.scalars(select(Entry.id).where(Entry.unit == site.unit)).first()
        if found is not None:
            entry = self._lock(session, found)
            if entry is not None:
                return entry, False
        flags = ["lookalike"] if site.lookalike else []
        entry = Entry(unit=site.unit, unicode_unit=site.unicode_unit, registrable=site.registrable,
                      shared_platform=site.shared_platform, state="reported", reasons="", reporters=0,
                      flags=",".join(flags), note="", first_reported=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(entry)
                session.flush()
            return entry, True
        except IntegrityError:
            # Another member created it a moment ago: use theirs.
            found = session.scalars(select(Entry.id).where(Entry.unit == site.unit)).first()
            locked = self._lock(session, found) if found is not None else None
            if locked is None:
                raise
            return locked, False

    def _maybe_auto_list(self, session: Session, entry: Entry) -> None:
        needed = self.settings.auto_list_reporters
        if needed > 0 and entry.state == "reported" and entry.reporters >= needed and not entry.flags:
            self._set_state(session, entry, "system:auto-list", "auto_list", "listed",
                            reporters=entry.reporters)

    def _receipt(self, entry: Entry, site: Site, report_id: int, *, duplicate: bool) -> dict[str, Any]:
        return {
            "id": entry.id,
            "report_id": report_id,
            "unit": entry.unit,
            "unicode_unit": entry.unicode_unit,
            "host": site.host,
            "state": entry.state,
            "reporters": entry.reporters,
            "reasons": codes(entry.reasons),
            "duplicate": duplicate,
            "flags": codes(entry.flags),
            "lookalike": site.lookalike,
            "shared_platform": site.shared_platform,
        }

    # -- lookups ----------------------------------------------------------------------------
    def check(self, text: str) -> dict[str, Any]:
        """What the list says about a site (the `check --json` shape); raises BlocklistError
        (kind "invalid") when the text is not a website."""
        return lookup.check(self.db, site_or_error(text))

    def recent(self, limit: int = 10, *, listed_only: bool = False) -> list[dict[str, Any]]:
        states = ("listed",) if listed_only else ("listed", "reported", "disputed")
        stmt = (select(self._entries).where(self._entries.c.state.in_(states))
                .order_by(self._entries.c.updated_at.desc(), self._entries.c.id.desc())
                .limit(max(1, min(limit, 100))))
        with self.db.engine.connect() as conn:
            return [entry_fields(row) for row in conn.execute(stmt).mappings()]

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Entries whose domain contains `text`, or whose reports or signals contain it: a complaint
        ID, part of the complainant's e-mail address ("brandguard", "@brandguard-ip.com") or the
        rights owner's name. Case-insensitive; `text` must be 3–200 characters."""
        query = clean_text(text).lower()
        if len(query) < 3:
            raise invalid("search_too_short")
        if len(query) > 200:
            raise invalid("search_too_long", limit=200)
        if "." in query and "@" not in query:
            with contextlib.suppress(InvalidSite):
                query = normalize_site(query).unit
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        entries, signals, reports = self._entries, self._signals, Report.__table__
        by_signal = select(signals.c.unit).where(func.lower(signals.c.value).like(pattern, escape="\\"))
        by_report = select(reports.c.entry_id).where(or_(
            reports.c.complaint_id.like(pattern, escape="\\"),
            func.lower(reports.c.rights_owner_email).like(pattern, escape="\\"),
            func.lower(reports.c.rights_owner).like(pattern, escape="\\")))
        stmt = (select(entries).where(entries.c.state != "merged", or_(
            entries.c.unit.like(pattern, escape="\\"), entries.c.unicode_unit.like(pattern, escape="\\"),
            entries.c.unit.in_(by_signal), entries.c.id.in_(by_report)))
            .order_by(entries.c.updated_at.desc()).limit(max(1, min(limit, 100))))
        with self.db.engine.connect() as conn:
            return [entry_fields(row) for row in conn.execute(stmt).mappings()]

    def queue(self, actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
        """Pending and disputed entries with their evidence, oldest first (moderators only)."""
        self._moderator(actor)
        with self.db.session() as session:
            entries = session.scalars(select(Entry).where(Entry.state.in_(OPEN_STATES))
                                      .order_by(Entry.first_reported, Entry.id)
                                      .limit(max(1, min(limit, 100)))).all()
            out = []
            for entry in entries:
                item = entry_fields(_row(entry))
                reports = session.scalars(select(Report).where(Report.entry_id == entry.id)
                                          .order_by(Report.created_at).limit(20)).all()
                item["reports"] = [_report_fields(r) for r in reports]
                item["note"] = entry.note
                item["protected"] = None
                if entry.state == "disputed":
                    appeal = session.scalars(select(AuditRow).where(
                        AuditRow.entry_id == entry.id, AuditRow.action == "appeal")
                        .order_by(AuditRow.id.desc())).first()
                    item["appeal"] = ({"by": appeal.actor, "evidence": appeal.reason,
                                       "at": iso(appeal.created_at)} if appeal else None)
                out.append(item)
            return out

    def entry(self, actor: Actor, ref: int | str) -> dict[str, Any]:
        """One entry with its reports (moderators) — what `queue` shows for a single id."""
        self._moderator(actor)
        with self.db.session() as session:
            entry = self._entry(session, ref)
            item = entry_fields(_row(entry))
            item["reports"] = [_report_fields(r) for r in session.scalars(
                select(Report).where(Report.entry_id == entry.id).order_by(Report.created_at))]
            item["note"] = entry.note
            return item

    def audit(self, actor: Actor, ref: int | str | None = None, limit: int = 30) -> list[dict[str, Any]]:
        """One entry's audit log, oldest first; without `ref`, the latest rows of the whole list."""
        self._moderator(actor)
        with self.db.session() as session:
            if ref is None or str(ref).strip() == "":
                rows = list(reversed(session.scalars(select(AuditRow).order_by(AuditRow.id.desc())
                                                     .limit(max(1, min(limit, 200)))).all()))
            else:
                entry = self._entry(session, ref)
                rows = list(session.scalars(select(AuditRow).where(AuditRow.entry_id == entry.id)
                                            .order_by(AuditRow.id)))
            return [{"id": r.id, "entry_id": r.entry_id, "at": iso(r.created_at), "actor": r.actor,
                     "action": r.action, "before": r.before, "after": r.after, "reason": r.reason,
                     "detail": r.detail} for r in rows]

    # -- moderation -------------------------------------------------------------------------
    def approve(self, actor: Actor, ref: int | str, reason: str = "") -> dict[str, Any]:
        """List an entry (or uphold a listing under appeal)."""
        self._moderator(actor)
        reason = self._reason(reason, required=False)
        with self.db.session() as session:
            entry = self._entry(session, ref)
            if entry.state not in OPEN_STATES:
                raise refused("wrong_state", id=entry.id, state=entry.state, action="approve")
            units = [entry.id, *session.scalars(select(Entry.id).where(Entry.merged_into == entry.id))]
            accounts = identity.accounts_of(session, actor.id)
            own = session.scalars(select(Report.id).where(Report.entry_id.in_(units),
                                                          Report.reporter.in_(accounts))).first()
            if own is not None:
                raise refused("own_report", id=entry.id)
            self._set_state(session, entry, actor, "approve", "listed", reason)
            return entry_fields(_row(entry))

    def reject(self, actor: Actor, ref: int | str, reason: str) -> dict[str, Any]:
        self._moderator(actor)
        reason = self._reason(reason, required=True)
        return self._move(actor, ref, "reject", "rejected", OPEN_STATES, reason)

    def delist(self, actor: Actor, ref: int | str, reason: str = "") -> dict[str, Any]:
        self._moderator(actor)
        reason = self._reason(reason, required=False)
        return self._move(actor, ref, "delist", "delisted", ("listed", "disputed"), reason)

    def reopen(self, actor: Actor, ref: int | str, reason: str = "") -> dict[str, Any]:
        self._moderator(actor)
        reason = self._reason(reason, required=False)
        return self._move(actor, ref, "reopen", "reported", ("rejected", "delisted"), reason)

    def _move(self, actor: Actor, ref: int | str, action: str, after: str, allowed: Iterable[str],
              reason: str) -> dict[str, Any]:
        with self.db.session() as session:
            entry = self._entry(session, ref)
            if entry.state not in allowed:
                raise refused("wrong_state", id=entry.id, state=entry.state, action=action)
            self._set_state(session, entry, actor, action, after, reason)
            return entry_fields(_row(entry))

    def edit(self, actor: Actor, ref: int | str, *, reasons: Iterable[str] | None = None,
             note: str | None = None) -> dict[str, Any]:
        """Change an entry's reason codes and/or the moderators' note."""
        self._moderator(actor)
        wanted: list[str] | None = None
        if reasons is not None:
            wanted = sorted({c.strip().lower() for c in reasons if c.strip()})
            unknown = [c for c in wanted if c not in CATEGORIES]
            if unknown or not wanted:
                raise invalid("unknown_category", category=",".join(unknown) or "-",
                              choices=", ".join(CATEGORIES))
        note = clean_text(note) if note is not None else None
        if note is not None and len(note) > MAX_NOTES:
            raise invalid("notes_too_long", size=len(note), limit=MAX_NOTES)
        if wanted is None and note is None:
            raise invalid("edit_nothing")
        with self.db.session() as session:
            entry = self._entry(session, ref)
            changes: dict[str, Any] = {}
            if wanted is not None and ",".join(wanted) != entry.reasons:
                changes["reasons"] = {"before": codes(entry.reasons), "after": wanted}
                entry.reasons = ",".join(wanted)
            if note is not None and note != entry.note:
                changes["note"] = {"before": entry.note, "after": note}
                entry.note = note
            if changes:
                entry.updated_at = self.now()
                self._audit(session, entry, actor, "edit", entry.state, entry.state, **changes)
            return entry_fields(_row(entry))

    def merge(self, actor: Actor, source: int | str, into: int | str, reason: str = "") -> dict[str, Any]:
        """Fold a duplicate into another entry: its reports and reasons move, its unit points there."""
        self._moderator(actor)
        reason = self._reason(reason, required=False)
        with self.db.session() as session:
            src, dst = self._entry(session, source), self._entry(session, into)
            if src.id == dst.id:
                raise invalid("merge_same")
            if "merged" in (src.state, dst.state):
                raise refused("wrong_state", id=src.id if src.state == "merged" else dst.id,
                              state="merged", action="merge")
            taken = set(session.scalars(select(Report.reporter).where(Report.entry_id == dst.id)))
            people = identity.persons(session, taken)
            moved = 0
            for report in session.scalars(select(Report).where(Report.entry_id == src.id)):
                person = identity.persons(session, [report.reporter])
                if report.reporter not in taken and not person & people:
                    report.entry_id = dst.id
                    people |= person
                    moved += 1
            session.flush()
            session.execute(update(Entry).where(Entry.merged_into == src.id).values(merged_into=dst.id))
            dst.reporters = self._reporters(session, dst.id)
            dst.reasons = ",".join(sorted({*codes(dst.reasons), *codes(src.reasons)}))
            dst.first_reported = min(dst.first_reported, src.first_reported)
            dst.updated_at = self.now()
            src.merged_into = dst.id
            self._set_state(session, src, actor, "merge", "merged", reason, into=dst.id)
            self._audit(session, dst, actor, "merge_in", dst.state, dst.state, reason,
                        source=src.id, unit=src.unit, reports_moved=moved)
            return entry_fields(_row(dst))

    # -- appeals ----------------------------------------------------------------------------
    def appeal(self, actor: Actor, ref: int | str, evidence: str) -> dict[str, Any]:
        """Anyone may dispute an entry with evidence; it shows `disputed` until a moderator decides.

        Refused (BlocklistError) when the person is over the rate limit (reports and appeals
        count together), when the entry was appealed less than `appeal_cooldown_seconds` ago (by
        anyone), when the same person (any of their linked accounts) appealed any entry less than
        `appeal_person_cooldown_seconds` ago, and when the evidence repeats an appeal moderators
        already decided.
        """
        evidence = clean_text(evidence)
        if not evidence:
            raise invalid("empty_evidence")
        if len(evidence) > MAX_REASON:
            raise invalid("reason_too_long", size=len(evidence), limit=MAX_REASON)
        now = self.now()
        with self.db.session() as session:
            entry = self._entry(session, ref)
            if entry.state == "merged" and entry.merged_into is not None:
                entry = self._entry(session, entry.merged_into)
            if entry.state == "disputed":
                raise refused("already_disputed", id=entry.id)
            if entry.state not in ("listed", "reported"):
                raise refused("wrong_state", id=entry.id, state=entry.state, action="appeal")
            accounts = identity.accounts_of(session, actor.id)
            self._rate_limit(session, accounts, now)
            earlier = session.scalars(select(AuditRow).where(
                AuditRow.entry_id == entry.id, AuditRow.action == "appeal")
                .order_by(AuditRow.id.desc()).limit(MAX_APPEALS_COMPARED)).all()
            cooldown = timedelta(seconds=self.settings.appeal_cooldown_seconds)
            if earlier and earlier[0].created_at > now - cooldown:
                wait = int((earlier[0].created_at + cooldown - now).total_seconds())
                hours = max(1, -(-wait // 3600))
                raise refused("appeal_cooldown", id=entry.id, hours=hours, count=hours)
            own_last = session.scalar(select(func.max(AuditRow.created_at)).where(
                AuditRow.action == "appeal", AuditRow.actor.in_(accounts)))
            own_cooldown = timedelta(seconds=self.settings.appeal_person_cooldown_seconds)
            if own_last is not None and own_last > now - own_cooldown:
                wait = int((own_last + own_cooldown - now).total_seconds())
                minutes = max(1, -(-wait // 60))
                raise refused("appeal_person_cooldown", minutes=minutes, count=minutes)
            # The entry is not disputed, so every earlier appeal has been decided by a moderator.
            if _evidence_key(evidence) in {_evidence_key(row.reason) for row in earlier}:
                raise refused("appeal_decided", id=entry.id)
            prior = entry.state
            self._set_state(session, entry, actor, "appeal", "disputed", evidence)
            entry.prior_state = prior
            return entry_fields(_row(entry))

    # -- signals from lookups ---------------------------------------------------------------
    def record_signals(self, unit: str | Site, signals: Mapping[str, Any]) -> bool:
        """Keep what a lookup learnt about a site (ip, store_id, registrar, registrant,
        abuse_contact, email, shopify_host; `online` or `liveness: {online, checked_at}`) so
        entries sharing them link. Returns False, recording nothing, when `unit` is no listable
        site (an IP address, a platform itself); it may be a unit, a host or a URL.
        Unknown keys are ignored; empty or oversized values are skipped.
        """
        try:
            site = unit if isinstance(unit, Site) else normalize_site(unit)
        except InvalidSite:
            return False
        now = self.now()
        rows = []
        for kind in SIGNAL_KINDS:
            raw = signals.get(kind)
            values = raw if isinstance(raw, (list, tuple, set, frozenset)) else [raw]
            for value in values:
                text = clean_text(str(value)).lower() if value not in (None, "") else ""
                if text and len(text) <= 320:
                    rows.append({"unit": site.unit, "kind": kind, "value": text, "source": "lookup",
                                 "created_at": now})
        if site.shared_platform == "myshopify.com":
            rows.append({"unit": site.unit, "kind": "shopify_host", "value": site.host,
                         "source": "lookup", "created_at": now})
        liveness = signals.get("liveness")
        online = liveness.get("online") if isinstance(liveness, Mapping) else signals.get("online")
        checked = (liveness.get("checked_at") if isinstance(liveness, Mapping) else None) \
            or signals.get("checked_at") or now
        with self.db.session() as session:
            insert_ignore_many(session, self._signals, rows)
            if isinstance(online, bool):
                self._record_liveness(session, site.unit, online, checked)
        return True

    def _record_liveness(self, session: Session, unit: str, online: bool, checked: datetime) -> None:
        insert_ignore_many(session, self._liveness,
                            [{"unit": unit, "online": None, "last_checked": checked}])
        stmt = select(Liveness).where(Liveness.unit == unit)
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        row = session.scalars(stmt).one()
        was = row.online
        row.last_checked = checked
        row.online = online
        if online:
            row.last_seen_online = checked
            row.taken_down_at = None
        elif was is True or (was is None and row.taken_down_at is None and row.last_seen_online):
            row.taken_down_at = checked
        if was is not online:
            # The export carries `online`: a flip is a change feed readers must see.
            session.execute(update(Entry).where(Entry.unit == unit).values(updated_at=self.now()))


def _evidence_key(text: str) -> str:
    """Evidence compared for "nothing new": case, spacing and punctuation do not count."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _as_id(ref: int | str) -> int | None:
    if isinstance(ref, int):
        return ref
    text = str(ref).strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _row(entry: Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY_COLUMNS}


def _report_fields(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "reporter": report.reporter,
        "category": report.category,
        "reason": report.reason,
        "url": report.url,
        "complaint_id": report.complaint_id,
        "rights_owner": report.rights_owner,
        "rights_owner_email": report.rights_owner_email,
        "links": list(report.links or []),
        "notes": report.notes,
        "lookup_id": report.lookup_id,
        "at": iso(report.created_at),
    }


def _report_signals(site: Site, data: ReportInput, now: datetime) -> list[dict[str, Any]]:
    values: set[tuple[str, str]] = set()
    if data.rights_owner_email:
        values.add(("email", data.rights_owner_email))
    for email in _EMAIL.findall(f"{data.reason}\n{data.notes}"):
        values.add(("email", email.lower()))
    if site.shared_platform == "myshopify.com":
        values.add(("shopify_host", site.host))
    return [{"unit": site.unit, "kind": k, "value": v[:320], "source": "report", "created_at": now}
            for k, v in sorted(values)]
