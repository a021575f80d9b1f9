"""merge the feature branches into one head

Revision ID: 0007
Revises: 0002, 0003, 0004, 0005_blocklist, 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0002", "0003", "0004", "0005_blocklist", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
