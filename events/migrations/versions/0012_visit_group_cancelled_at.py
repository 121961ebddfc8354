"""visit_group.cancelled_at: a cancelled visit group stays, marked, so subscribed calendars strike its outing

Its name is unique among the campaign's groups still active (a partial unique index), so a
group of the same name can be made again.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ACTIVE = sa.text("cancelled_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("visit_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("uq_visit_group_campaign_id_name"), type_="unique")
    op.create_index(
        "uq_visit_group_active_name", "visit_group", ["campaign_id", "name"], unique=True,
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_visit_group_active_name", table_name="visit_group")
    op.execute("DELETE FROM visit_group WHERE cancelled_at IS NOT NULL")
    with op.batch_alter_table("visit_group", schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f("uq_visit_group_campaign_id_name"), ["campaign_id", "name"])
        batch_op.drop_column("cancelled_at")
