"""registration entries with limit and quota slots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:59:24.155346
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The entry foreign key needs this key to exist first.
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_team_member_meet_id_person_id_team_id'), ['meet_id', 'person_id', 'team_id'])

    op.create_table('meet_slot',
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_meet_slot_meet_id_meet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meet_id', 'n', name=op.f('pk_meet_slot'))
    )
    op.create_table('event_slot',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_slot_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'n', name=op.f('pk_event_slot'))
    )
    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('squad', sa.Integer(), nullable=False),
    sa.Column('person_slot', sa.Integer(), nullable=True),
    sa.Column('team_slot', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'rejected' OR review_reason <> ''", name=op.f('ck_entry_reject_reason')),
    sa.CheckConstraint("status IN ('entered', 'approved', 'rejected')", name=op.f('ck_entry_status')),
    sa.CheckConstraint('squad >= 1', name=op.f('ck_entry_squad')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_entry_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id', 'meet_id'], ['event.id', 'event.meet_id'], name=op.f('fk_entry_event_id_meet_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id', 'team_slot'], ['event_slot.event_id', 'event_slot.n'], name=op.f('fk_entry_event_id_team_slot_event_slot'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meet_id', 'person_id', 'team_id'], ['team_member.meet_id', 'team_member.person_id', 'team_member.team_id'], name=op.f('fk_entry_meet_id_person_id_team_id_team_member'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['meet_id', 'person_slot'], ['meet_slot.meet_id', 'meet_slot.n'], name=op.f('fk_entry_meet_id_person_slot_meet_slot'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['user_account.id'], name=op.f('fk_entry_reviewed_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
    sa.UniqueConstraint('event_id', 'person_id', name=op.f('uq_entry_event_id_person_id')),
    sa.UniqueConstraint('event_id', 'team_id', 'team_slot', name=op.f('uq_entry_event_id_team_id_team_slot')),
    sa.UniqueConstraint('meet_id', 'person_id', 'person_slot', name=op.f('uq_entry_meet_id_person_id_person_slot'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_meet_id'), ['meet_id'], unique=False)
        batch_op.create_index('ix_entry_team_event', ['team_id', 'event_id'], unique=False)

    # Slots for meets and events that exist already.
    conn = op.get_bind()
    meet_slot = sa.table('meet_slot', sa.column('meet_id', sa.Integer), sa.column('n', sa.Integer))
    event_slot = sa.table('event_slot', sa.column('event_id', sa.Integer), sa.column('n', sa.Integer))
    meets = conn.execute(sa.text('SELECT id, per_person_limit FROM meet')).all()
    rows = [{'meet_id': m, 'n': n} for m, limit in meets for n in range(1, limit + 1)]
    if rows:
        op.bulk_insert(meet_slot, rows)
    events = conn.execute(sa.text('SELECT id, team_quota FROM event WHERE team_quota IS NOT NULL')).all()
    rows = [{'event_id': e, 'n': n} for e, quota in events for n in range(1, quota + 1)]
    if rows:
        op.bulk_insert(event_slot, rows)


def downgrade() -> None:
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_team_member_meet_id_person_id_team_id'), type_='unique')

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_team_event')
        batch_op.drop_index(batch_op.f('ix_entry_meet_id'))

    op.drop_table('entry')
    op.drop_table('event_slot')
    op.drop_table('meet_slot')
