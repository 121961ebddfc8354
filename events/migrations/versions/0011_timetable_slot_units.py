"""timetable_slot.units: a Swiss round not yet paired is placed on a block of boards

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timetable_slot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("units", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_check_constraint(op.f("ck_timetable_slot_units"), "units >= 1")


def downgrade() -> None:
    with op.batch_alter_table("timetable_slot", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_timetable_slot_units"), type_="check")
        batch_op.drop_column("units")
