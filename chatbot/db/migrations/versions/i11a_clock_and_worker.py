"""clock and worker: job retries and run keys, the clock's lease, the terminal inbox, re-checks

Also an index for expiry (listed entries by listing time) and the re-check's validators.

Revision ID: i11a
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "i11a"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("run_after", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("unique_key", sa.String(200), nullable=True))
        batch.create_index("ix_jobs_unique_key", ["unique_key"], unique=True)
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_scheduler_leases"),
    )
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
    )
    op.create_index("ix_inbox_owner_seen", "inbox", ["platform", "user_id", "seen_at"])
    op.create_index("ix_blocklist_entries_state_listed", "blocklist_entries", ["state", "listed_at"])
    with op.batch_alter_table("blocklist_liveness") as batch:
        batch.add_column(sa.Column("etag", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_modified", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("first_seen_offline", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blocklist_liveness") as batch:
        for column in ("first_seen_offline", "last_modified", "etag"):
            batch.drop_column(column)
    op.drop_index("ix_blocklist_entries_state_listed", "blocklist_entries")
    op.drop_table("inbox")
    op.drop_table("scheduler_leases")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_unique_key")
        batch.drop_column("unique_key")
        batch.drop_column("run_after")
