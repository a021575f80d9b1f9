"""notice cases: a seller's complaint cases and their deadlines

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatbot.db.base import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("person_id", sa.Integer(),
                  sa.ForeignKey("members.id", ondelete="SET NULL", name="fk_cases_person_id_members"),
                  nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("complaint_type", sa.String(32), nullable=False),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("asins", sa.JSON(), nullable=False),
        sa.Column("rights_owner", sa.String(200), nullable=False),
        sa.Column("rights_owner_email", sa.String(320), nullable=False),
        sa.Column("ip_numbers", sa.JSON(), nullable=False),
        sa.Column("marketplace", sa.String(32), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=True),
        sa.Column("notice_text", sa.Text(), nullable=False),
        sa.Column("storefront_urls", sa.JSON(), nullable=False),
        sa.Column("listing_date", sa.Date(), nullable=True),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_owner", "cases", ["platform", "user_id"])
    op.create_index("ix_cases_person_id", "cases", ["person_id"])
    op.create_table(
        "case_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(),
                  sa.ForeignKey("cases.id", ondelete="CASCADE", name="fk_case_deadlines_case_id_cases"),
                  nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.JSON(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_deadlines"),
    )
    op.create_index("ix_case_deadlines_case_kind", "case_deadlines", ["case_id", "kind"], unique=True)
    op.create_index("ix_case_deadlines_due_at", "case_deadlines", ["due_at"])


def downgrade() -> None:
    op.drop_table("case_deadlines")
    op.drop_table("cases")
