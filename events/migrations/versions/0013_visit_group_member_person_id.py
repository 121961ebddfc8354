"""visit_group_member.person_id: who a visit group member is in the people archive

A member is matched when added (the one person of that name — of that unit too, when given and
matching someone) and matched again whenever the archive changes under their name; the calendar
then reads the ids instead of matching every member's name at every request. Existing members
are matched here by the same rule. Both names are indexed for those matches.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The rule, in SQL: the only person of the member's name and unit (a unit given and matching
# someone); failing any of that name and unit, the only person of the name.
SAME_UNIT = "p.name = visit_group_member.name AND p.unit = visit_group_member.unit AND visit_group_member.unit <> ''"
BY_UNIT = f"""
UPDATE visit_group_member SET person_id = (SELECT min(p.id) FROM person p WHERE {SAME_UNIT})
WHERE (SELECT count(*) FROM person p WHERE {SAME_UNIT}) = 1
"""
BY_NAME = f"""
UPDATE visit_group_member SET person_id = (SELECT min(p.id) FROM person p WHERE p.name = visit_group_member.name)
WHERE person_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM person p WHERE {SAME_UNIT})
  AND (SELECT count(*) FROM person p WHERE p.name = visit_group_member.name) = 1
"""


def upgrade() -> None:
    op.create_index(op.f("ix_person_name"), "person", ["name"], unique=False)
    with op.batch_alter_table("visit_group_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_visit_group_member_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_group_member_name"), ["name"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_visit_group_member_person_id_person"), "person", ["person_id"], ["id"], ondelete="SET NULL"
        )
    op.execute(BY_UNIT)
    op.execute(BY_NAME)


def downgrade() -> None:
    with op.batch_alter_table("visit_group_member", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_visit_group_member_person_id_person"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_visit_group_member_name"))
        batch_op.drop_index(batch_op.f("ix_visit_group_member_person_id"))
        batch_op.drop_column("person_id")
    op.drop_index(op.f("ix_person_name"), table_name="person")
