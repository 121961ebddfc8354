"""A cancelled visit group holds no household, in the database too

The service takes a cancelled group's households back to 待分组 and refuses to assign one to it;
these triggers make the database refuse the same: a household put in a cancelled group, and a
group cancelled while households are in it. On PostgreSQL the household's trigger takes a share
lock on its group's row, so a cancellation and an assignment running at once cannot both commit.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

IN_CANCELLED_GROUP = "a household cannot be put in a cancelled visit group"
CANCEL_WITH_HOUSEHOLDS = "a visit group with households cannot be cancelled"

SQLITE = [
    f"""CREATE TRIGGER beneficiary_active_group_{verb.split()[0].lower()} BEFORE {verb} ON beneficiary
    WHEN NEW.group_id IS NOT NULL AND (SELECT cancelled_at FROM visit_group WHERE id = NEW.group_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{IN_CANCELLED_GROUP}'); END"""
    for verb in ("INSERT", "UPDATE OF group_id")
] + [
    f"""CREATE TRIGGER visit_group_cancel_empty BEFORE UPDATE OF cancelled_at ON visit_group
    WHEN NEW.cancelled_at IS NOT NULL AND EXISTS (SELECT 1 FROM beneficiary WHERE group_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{CANCEL_WITH_HOUSEHOLDS}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER beneficiary_active_group_insert",
    "DROP TRIGGER beneficiary_active_group_update",
    "DROP TRIGGER visit_group_cancel_empty",
]

POSTGRESQL = [
    f"""CREATE FUNCTION beneficiary_active_group() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.group_id IS NOT NULL
           AND (SELECT cancelled_at FROM visit_group WHERE id = NEW.group_id FOR SHARE) IS NOT NULL THEN
            RAISE EXCEPTION '{IN_CANCELLED_GROUP}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER beneficiary_active_group BEFORE INSERT OR UPDATE OF group_id ON beneficiary
    FOR EACH ROW EXECUTE FUNCTION beneficiary_active_group()""",
    f"""CREATE FUNCTION visit_group_cancel_empty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.cancelled_at IS NOT NULL AND EXISTS (SELECT 1 FROM beneficiary WHERE group_id = NEW.id) THEN
            RAISE EXCEPTION '{CANCEL_WITH_HOUSEHOLDS}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER visit_group_cancel_empty BEFORE UPDATE OF cancelled_at ON visit_group
    FOR EACH ROW EXECUTE FUNCTION visit_group_cancel_empty()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER beneficiary_active_group ON beneficiary",
    "DROP FUNCTION beneficiary_active_group()",
    "DROP TRIGGER visit_group_cancel_empty ON visit_group",
    "DROP FUNCTION visit_group_cancel_empty()",
]


def upgrade() -> None:
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DROP:
        op.execute(statement)
