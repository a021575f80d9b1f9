"""members: keep the language we guessed apart from the language a member chose

`members.lang` now holds only an explicit `/lang` choice; `members.lang_guess` holds the
language detected from the member's last message that told one. Until now detection wrote into
`lang`, so existing values cannot be told apart: they move to `lang_guess` (detection goes on
as before, and the platform's locale is no longer outranked by an old guess); a member who had
chosen with `/lang` chooses again.

Revision ID: i12a
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i12a"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("lang_guess", sa.String(16), nullable=True))
    op.execute("UPDATE members SET lang_guess = lang, lang = NULL WHERE lang IS NOT NULL")


def downgrade() -> None:
    op.execute("UPDATE members SET lang = lang_guess WHERE lang IS NULL AND lang_guess IS NOT NULL")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("lang_guess")
