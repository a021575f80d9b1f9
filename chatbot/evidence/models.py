"""Stored lookups: the cache per normalised URL, and the record a later report or case cites."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db.base import Base, UTCDateTime, utcnow


class SiteLookup(Base):
    """One completed /checksite lookup. Rows are never updated: a fresh lookup adds a row, so a
    report that cites lookup #12 keeps meaning what it meant."""

    __tablename__ = "site_lookups"
    __table_args__ = (Index("ix_site_lookups_url_key_created_at", "url_key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_key: Mapped[str] = mapped_column(String(64))  # sha256 of the normalised URL
    normalized_url: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(253), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # sources, evidence log, estimates
    page_words: Mapped[list[Any]] = mapped_column(JSON)  # (where, text) pairs for brand checks


class CopyingCheck(Base):
    """One copying check (from /checksite or `compare`): what letters cite later. Never updated.
    `result` is the CopyingResult JSON without the thumbnails."""

    __tablename__ = "copying_checks"
    __table_args__ = (Index("ix_copying_checks_url_key_created_at", "url_key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_key: Mapped[str] = mapped_column(String(64))  # sha256 of the copycat page's normalised URL
    copycat_url: Mapped[str] = mapped_column(Text)
    seller_ref: Mapped[str] = mapped_column(String(300))
    lookup_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the /checksite lookup, if any
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
class ReportLink(Base):
    """An unguessable link to one lookup's report pages (`/r/<token>`). Only the SHA-256 of the
    token is stored, so the table alone opens nothing; a link stops working at `expires_at`."""

    __tablename__ = "report_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    lookup_id: Mapped[int] = mapped_column(Integer, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    # The result as the seller saw it (their own date, brand word): the stored lookup holds only
    # what every request shares. Empty: show the stored lookup.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
