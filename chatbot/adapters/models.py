"""What chat adapters remember per member: the lookups they asked for (shown in Slack's App Home).

The lookup itself lives in `site_lookups` (the checksite feature); this row only says who asked,
when, and the one-line summary they were shown.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db.base import Base, UTCDateTime, utcnow


class MemberLookup(Base):
    __tablename__ = "member_lookups"
    __table_args__ = (Index("ix_member_lookups_member", "platform", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    lookup_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    url: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SlackAnswer(Base):
    """Which bot message answers which user message, so an edit of the question updates the
    answer instead of posting a second one. `meaning` is the digest of what the question said
    when it was answered. Rows of a workspace go when it uninstalls the app."""

    __tablename__ = "slack_answers"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(32), index=True)
    answer_ts: Mapped[str] = mapped_column(String(32))
    meaning: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
