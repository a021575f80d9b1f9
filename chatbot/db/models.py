"""Foundation tables: who is talking, open questions the bot asked, deliveries handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db.base import Base, UTCDateTime, utcnow


class Member(Base):
    """A person on one platform. `person_id` links the same person across platforms."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)  # an explicit /lang choice only
    lang_guess: Mapped[str | None] = mapped_column(String(16), nullable=True)  # detected, never a choice
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedDelivery(Base):
    """A platform delivery we have handled; the unique key makes a retry a no-op."""

    __tablename__ = "processed_deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class DialogState(Base):
    """A question the bot asked a user and is waiting on (e.g. "what is your listing date?").

    Kept in the database, not in memory, so the answer may reach any process, or arrive after
    a restart.
    """

    __tablename__ = "dialog_states"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    handler: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkCode(Base):
    """A one-time code that joins another account to this one's person (see chatbot.identity)."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
