"""A person is a member of a visit group once: UNIQUE (group_id, name, unit)

Two members of one group with the same name and unit are the same person listed twice (two
people who share a name are told apart by their unit). Such repeats already stored are folded
into the earliest row first; the service refuses a repeat with the name, and the constraint
keeps two organisers adding the same person at once from both succeeding.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

FOLD_REPEATS = """
DELETE FROM visit_group_member
WHERE id NOT IN (SELECT min(id) FROM visit_group_member GROUP BY group_id, name, unit)
"""


def upgrade() -> None:
    op.execute(FOLD_REPEATS)
    with op.batch_alter_table("visit_group_member", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_visit_group_member_group_id_name_unit"), ["group_id", "name", "unit"])


def downgrade() -> None:
    with op.batch_alter_table("visit_group_member", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_visit_group_member_group_id_name_unit"), type_="unique")
