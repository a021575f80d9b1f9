"""checksite: stored lookups (cache per normalised URL)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("normalized_url", sa.Text(), nullable=False),
        sa.Column("site", sa.String(253), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("page_words", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_lookups"),
    )
    op.create_index("ix_site_lookups_url_key_created_at", "site_lookups", ["url_key", "created_at"])
    op.create_index("ix_site_lookups_site", "site_lookups", ["site"])


def downgrade() -> None:
    op.drop_table("site_lookups")
