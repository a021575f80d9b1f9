"""Tables of the clock and of messages waiting to be read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db.base import Base, UTCDateTime, utcnow


class SchedulerLease(Base):
    """Who may enqueue scheduled work (`name` = "clock"), until when; renewed while it lives."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboxItem(Base):
    """A message for a user that no platform pushed (terminal users): shown as "while you were
    away" at their next `sellerguard chat` start, and by `sellerguard reminders`."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_owner_seen", "platform", "user_id", "seen_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
