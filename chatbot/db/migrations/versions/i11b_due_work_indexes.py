"""indexes for the clock's due-work queries: unreminded deadlines by date, open cases by last change

Both are partial (SQLite and PostgreSQL): they hold only the rows a tick can still find, so they
stay small as reminded deadlines and closed cases pile up, and a tick reads only due rows.

Revision ID: i11b
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i11b"
down_revision = "0009"
branch_labels = None
depends_on = None

UNREMINDED = sa.text("reminded_at IS NULL")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_index("ix_case_deadlines_due_unreminded", "case_deadlines", ["due_at"],
                    sqlite_where=UNREMINDED, postgresql_where=UNREMINDED)
    op.create_index("ix_cases_open_updated", "cases", ["updated_at"],
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("ix_cases_open_updated", "cases")
    op.drop_index("ix_case_deadlines_due_unreminded", "case_deadlines")
