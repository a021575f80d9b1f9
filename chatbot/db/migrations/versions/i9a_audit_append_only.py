"""blocklist_audit is append-only in the database: triggers refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE); deleting an entry no longer cascades to its audit rows; the OS user who
ran a terminal command is recorded beside the identity it claimed; audit rows are indexed by
actor and time (appeals count against the rate limit)

Revision ID: i9a
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i9a"
down_revision = "0008"
branch_labels = None
depends_on = None

FK = "fk_blocklist_audit_entry_id_blocklist_entries"
MESSAGE = "blocklist_audit is append-only"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER blocklist_audit_no_update BEFORE UPDATE ON blocklist_audit "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER blocklist_audit_no_delete BEFORE DELETE ON blocklist_audit "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION blocklist_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER blocklist_audit_no_change BEFORE UPDATE OR DELETE ON blocklist_audit "
    "FOR EACH ROW EXECUTE FUNCTION blocklist_audit_append_only()",
    "CREATE TRIGGER blocklist_audit_no_truncate BEFORE TRUNCATE ON blocklist_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION blocklist_audit_append_only()",
]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    # On SQLite the table is rebuilt to change its foreign key; triggers come after the rebuild.
    with op.batch_alter_table("blocklist_audit") as batch:
        batch.add_column(sa.Column("os_user", sa.String(64), nullable=True))
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_foreign_key(FK, "blocklist_entries", ["entry_id"], ["id"], ondelete="RESTRICT")
    # Appeals count against a person's rate limit: their audit rows are found by actor and time.
    op.create_index("ix_blocklist_audit_actor_created", "blocklist_audit", ["actor", "created_at"])
    for statement in SQLITE_TRIGGERS if _sqlite() else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS blocklist_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS blocklist_audit_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS blocklist_audit_no_change ON blocklist_audit")
        op.execute("DROP TRIGGER IF EXISTS blocklist_audit_no_truncate ON blocklist_audit")
        op.execute("DROP FUNCTION IF EXISTS blocklist_audit_append_only()")
    op.drop_index("ix_blocklist_audit_actor_created", table_name="blocklist_audit")
    with op.batch_alter_table("blocklist_audit") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_foreign_key(FK, "blocklist_entries", ["entry_id"], ["id"], ondelete="CASCADE")
        batch.drop_column("os_user")
