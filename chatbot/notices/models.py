"""Cases: one IP complaint a seller is working through, its checklist progress and deadlines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chatbot.db.base import Base, UTCDateTime, utcnow


class Case(Base):
    """A seller's complaint case. The seller is `platform` + `user_id`; `person_id` is the
    member row that stands for the same person on every platform, so a case opened on Slack
    can be continued on WeCom once the members are linked."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_owner", "platform", "user_id"),
        # The clock's nudge query: open cases by last change (partial, see migration i11b).
        Index("ix_cases_open_updated", "updated_at", sqlite_where=text("status = 'open'"),
              postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    lang: Mapped[str] = mapped_column(String(16), default="en")
    # What the notice says.
    complaint_type: Mapped[str] = mapped_column(String(32), default="unknown")
    complaint_id: Mapped[str] = mapped_column(String(64), default="")
    asins: Mapped[list[str]] = mapped_column(JSON, default=list)
    rights_owner: Mapped[str] = mapped_column(String(200), default="")
    rights_owner_email: Mapped[str] = mapped_column(String(320), default="")
    ip_numbers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    marketplace: Mapped[str] = mapped_column(String(32), default="")
    notice_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    notice_text: Mapped[str] = mapped_column(Text, default="")  # the paste, for re-reading later
    # What the seller tells us.
    storefront_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    listing_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    brand: Mapped[str] = mapped_column(String(100), default="")
    # Checklist progress: step id -> "done" | "skipped" (absent means to do).
    steps: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deadlines: Mapped[list[CaseDeadline]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseDeadline.due_at",
        lazy="selectin",
    )


class CaseDeadline(Base):
    """A date the scheduler reminds the seller of (90-day inventory, counter-notice window...)."""

    __tablename__ = "case_deadlines"
    __table_args__ = (
        Index("ix_case_deadlines_case_kind", "case_id", "kind", unique=True),
        # The clock's reminder query: deadlines not reminded yet, by date (partial, migration i11b).
        Index("ix_case_deadlines_due_unreminded", "due_at", sqlite_where=text("reminded_at IS NULL"),
              postgresql_where=text("reminded_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    note: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="deadlines")
