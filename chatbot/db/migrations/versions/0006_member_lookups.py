"""slack: the lookups each member asked for (App Home's "recent lookups")

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("lookup_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_lookups"),
    )
    op.create_index("ix_member_lookups_member", "member_lookups", ["platform", "user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("member_lookups")
