"""wecom_state: nonces, access tokens, the 微信客服 cursor and AI bot streams (chatbot/wecom/store.py)

Revision ID: i10a
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "i10a"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wecom_state",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_wecom_state"),
    )
    op.create_index("ix_wecom_state_expires_at", "wecom_state", ["expires_at"])


def downgrade() -> None:
    op.drop_table("wecom_state")
