"""blocklist: entries, reports, audit log, signals, liveness

Revision ID: 0005_blocklist
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "0005_blocklist"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blocklist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(253), nullable=False),
        sa.Column("unicode_unit", sa.String(253), nullable=False),
        sa.Column("registrable", sa.String(253), nullable=False),
        sa.Column("shared_platform", sa.String(253), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reasons", sa.String(200), nullable=False),
        sa.Column("reporters", sa.Integer(), nullable=False),
        sa.Column("flags", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("prior_state", sa.String(16), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("first_reported", UTCDateTime(), nullable=False),
        sa.Column("listed_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_entries"),
        sa.UniqueConstraint("unit", name="uq_blocklist_entries_unit"),
        sa.ForeignKeyConstraint(["merged_into"], ["blocklist_entries.id"], ondelete="SET NULL",
                                name="fk_blocklist_entries_merged_into_blocklist_entries"),
    )
    op.create_index("ix_blocklist_entries_state_unit", "blocklist_entries", ["state", "unit"])
    op.create_index("ix_blocklist_entries_state_updated", "blocklist_entries", ["state", "updated_at"])
    op.create_index("ix_blocklist_entries_updated_at", "blocklist_entries", ["updated_at"])
    op.create_index("ix_blocklist_entries_merged_into", "blocklist_entries", ["merged_into"])
    op.create_table(
        "blocklist_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(160), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("rights_owner", sa.String(200), nullable=False),
        sa.Column("rights_owner_email", sa.String(254), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("lookup_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_reports"),
        sa.UniqueConstraint("entry_id", "reporter", name="uq_blocklist_reports_entry_id"),
        sa.ForeignKeyConstraint(["entry_id"], ["blocklist_entries.id"], ondelete="CASCADE",
                                name="fk_blocklist_reports_entry_id_blocklist_entries"),
    )
    op.create_index("ix_blocklist_reports_reporter_created", "blocklist_reports",
                    ["reporter", "created_at"])
    op.create_table(
        "blocklist_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("before", sa.String(16), nullable=True),
        sa.Column("after", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_audit"),
        sa.ForeignKeyConstraint(["entry_id"], ["blocklist_entries.id"], ondelete="CASCADE",
                                name="fk_blocklist_audit_entry_id_blocklist_entries"),
    )
    op.create_index("ix_blocklist_audit_entry_id", "blocklist_audit", ["entry_id"])
    op.create_table(
        "blocklist_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(253), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(320), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_signals"),
        sa.UniqueConstraint("unit", "kind", "value", name="uq_blocklist_signals_unit"),
    )
    op.create_index("ix_blocklist_signals_kind_value", "blocklist_signals", ["kind", "value"])
    op.create_table(
        "blocklist_liveness",
        sa.Column("unit", sa.String(253), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=True),
        sa.Column("last_checked", UTCDateTime(), nullable=False),
        sa.Column("last_seen_online", UTCDateTime(), nullable=True),
        sa.Column("taken_down_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("unit", name="pk_blocklist_liveness"),
    )


def downgrade() -> None:
    op.drop_table("blocklist_liveness")
    op.drop_table("blocklist_signals")
    op.drop_table("blocklist_audit")
    op.drop_table("blocklist_reports")
    op.drop_table("blocklist_entries")
