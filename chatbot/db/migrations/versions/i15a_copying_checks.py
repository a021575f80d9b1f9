"""copying: stored copying checks (the copycat page against the seller's listing), for letters

Revision ID: i15a
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "i15a"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "copying_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("copycat_url", sa.Text(), nullable=False),
        sa.Column("seller_ref", sa.String(300), nullable=False),
        sa.Column("lookup_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_copying_checks"),
    )
    op.create_index("ix_copying_checks_url_key_created_at", "copying_checks", ["url_key", "created_at"])


def downgrade() -> None:
    op.drop_table("copying_checks")
