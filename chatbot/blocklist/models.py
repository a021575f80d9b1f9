"""Blocklist tables: entries (one per unit), reports, the append-only audit log, signals, liveness."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db.base import Base, UTCDateTime, utcnow

STATES = ("reported", "listed", "disputed", "delisted", "rejected", "merged")
CATEGORIES = ("fake-complaint", "copycat-store", "scam-email", "other")
MAX_REASON = 2000
MAX_NOTES = 4000


class Entry(Base):
    """One site on the list. `unit` is the normalised registrable domain or shared-platform host."""

    __tablename__ = "blocklist_entries"
    __table_args__ = (
        Index("ix_blocklist_entries_state_unit", "state", "unit"),
        Index("ix_blocklist_entries_state_updated", "state", "updated_at"),
        Index("ix_blocklist_entries_state_listed", "state", "listed_at"),  # expiry
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(253), unique=True)
    unicode_unit: Mapped[str] = mapped_column(String(253), default="")
    registrable: Mapped[str] = mapped_column(String(253), default="")
    shared_platform: Mapped[str | None] = mapped_column(String(253), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="reported")
    # Neutral reason codes (categories), comma-separated and sorted; the only "why" exported.
    reasons: Mapped[str] = mapped_column(String(200), default="")
    reporters: Mapped[int] = mapped_column(Integer, default=0)  # independent reporters
    flags: Mapped[str] = mapped_column(String(200), default="")  # e.g. "lookalike", "protected:amazon.*"
    note: Mapped[str] = mapped_column(Text, default="")  # moderators' note, never exported
    prior_state: Mapped[str | None] = mapped_column(String(16), nullable=True)  # before a dispute
    merged_into: Mapped[int | None] = mapped_column(
        ForeignKey("blocklist_entries.id", ondelete="SET NULL"), nullable=True, index=True
    )
    first_reported: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Report(Base):
    """One member's report of one entry; the unique key makes a reporter count once."""

    __tablename__ = "blocklist_reports"
    __table_args__ = (
        UniqueConstraint("entry_id", "reporter"),
        Index("ix_blocklist_reports_reporter_created", "reporter", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("blocklist_entries.id", ondelete="CASCADE"))
    reporter: Mapped[str] = mapped_column(String(160))  # platform:user
    category: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text, default="")  # what was reported, as typed
    complaint_id: Mapped[str] = mapped_column(String(64), default="")
    rights_owner: Mapped[str] = mapped_column(String(200), default="")
    rights_owner_email: Mapped[str] = mapped_column(String(254), default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    lookup_id: Mapped[str] = mapped_column(String(64), default="")  # an attached /checksite result
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditRow(Base):
    """Append-only: who changed what, when, from what to what, and why. The database refuses
    UPDATE and DELETE on these rows (triggers, migration i9a) and an entry with audit rows cannot
    be deleted; the ORM guard below only gives a clearer error earlier."""

    __tablename__ = "blocklist_audit"
    __table_args__ = (Index("ix_blocklist_audit_actor_created", "actor", "created_at"),)  # rate limits

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("blocklist_entries.id", ondelete="RESTRICT"),
                                          index=True)
    actor: Mapped[str] = mapped_column(String(160))  # the identity claimed: platform:user
    os_user: Mapped[str | None] = mapped_column(String(64), nullable=True)  # who ran a terminal command
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(String(16), nullable=True)
    after: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Signal(Base):
    """Something captured about a site (complainant e-mail, IP, store id, registrar...), keyed by
    unit so lookups of sites not yet reported still link later reports."""

    __tablename__ = "blocklist_signals"
    __table_args__ = (
        UniqueConstraint("unit", "kind", "value"),
        Index("ix_blocklist_signals_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(253))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Liveness(Base):
    """Whether a site answered when it was last checked, and when it went offline."""

    __tablename__ = "blocklist_liveness"

    unit: Mapped[str] = mapped_column(String(253), primary_key=True)
    online: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_checked: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_online: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The daily re-check (chatbot/schedule/liveness.py): conditional-request validators and the
    # start of the current offline spell.
    etag: Mapped[str] = mapped_column(String(200), default="", server_default="")
    last_modified: Mapped[str] = mapped_column(String(64), default="", server_default="")
    first_seen_offline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


@event.listens_for(AuditRow, "before_update")
@event.listens_for(AuditRow, "before_delete")
def _audit_is_append_only(_mapper: object, _connection: object, target: AuditRow) -> None:
    raise PermissionError(f"audit row {target.id} is append-only")
