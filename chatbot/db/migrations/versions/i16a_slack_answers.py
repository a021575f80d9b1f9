"""slack: which bot message answers which user message (edits update the answer)

Revision ID: i16a
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "i16a"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_answers",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=False),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("answer_ts", sa.String(32), nullable=False),
        sa.Column("meaning", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "message_ts", name="pk_slack_answers"),
    )
    op.create_index("ix_slack_answers_team", "slack_answers", ["team"])


def downgrade() -> None:
    op.drop_table("slack_answers")
