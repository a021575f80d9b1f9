"""foundation: members and processed deliveries

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("members.id", ondelete="SET NULL", name="fk_members_person_id_members"),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint("platform", "external_id", name="uq_members_platform"),
    )
    op.create_index("ix_members_person_id", "members", ["person_id"])
    op.create_table(
        "dialog_states",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("handler", sa.String(32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_dialog_states"),
    )
    op.create_table(
        "processed_deliveries",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_processed_deliveries"),
    )
    op.create_index("ix_processed_deliveries_created_at", "processed_deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_table("processed_deliveries")
    op.drop_table("dialog_states")
    op.drop_table("members")
