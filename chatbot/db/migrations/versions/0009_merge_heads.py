"""merge the feature branches into one head: audit log, WeCom state, clock and worker, language
guesses, report links, copying checks, Slack answers

Revision ID: 0009
Revises: i9a, i10a, i11a, i12a, i14a, i15a, i16a
Create Date: 2026-11-30
"""

from __future__ import annotations

revision = "0009"
down_revision = ("i9a", "i10a", "i11a", "i12a", "i14a", "i15a", "i16a")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
