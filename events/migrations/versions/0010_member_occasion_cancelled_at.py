"""member_occasion.cancelled_at: a cancelled occasion stays, marked, so subscribed calendars strike it

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_occasion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_occasion", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
