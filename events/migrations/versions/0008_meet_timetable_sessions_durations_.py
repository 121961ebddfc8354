"""meet timetable: sessions, durations, settings, timetables and slots

New tables only (events/timetable_models.py), so no server defaults are needed for existing
rows; every CHECK of the models is here; SQLite indexes in batch mode.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _utc() -> advanced_alchemy.types.datetime.DateTimeUTC:
    return advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table('meet_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meet_session_times')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_meet_session_meet_id_meet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meet_session')),
    sa.UniqueConstraint('meet_id', 'day', 'starts_at', name=op.f('uq_meet_session_meet_id_day_starts_at'))
    )
    with op.batch_alter_table('meet_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meet_session_meet_id'), ['meet_id'], unique=False)

    op.create_table('timetable_setting',
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('min_rest', sa.Integer(), nullable=False),
    sa.Column('improve_seconds', sa.Integer(), nullable=False),
    sa.Column('ceremony_minutes', sa.Integer(), nullable=False),
    sa.Column('ceremony_venue_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('min_rest BETWEEN 0 AND 240', name=op.f('ck_timetable_setting_min_rest')),
    sa.CheckConstraint('improve_seconds BETWEEN 1 AND 600', name=op.f('ck_timetable_setting_improve_seconds')),
    sa.CheckConstraint('ceremony_minutes BETWEEN 0 AND 240', name=op.f('ck_timetable_setting_ceremony_minutes')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_timetable_setting_meet_id_meet'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ceremony_venue_id'], ['venue.id'], name=op.f('fk_timetable_setting_ceremony_venue_id_venue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('meet_id', name=op.f('pk_timetable_setting'))
    )

    op.create_table('event_duration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint("stage IN ('all', 'final')", name=op.f('ck_event_duration_stage')),
    sa.CheckConstraint('minutes BETWEEN 1 AND 600', name=op.f('ck_event_duration_minutes')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_duration_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_duration')),
    sa.UniqueConstraint('event_id', 'stage', name=op.f('uq_event_duration_event_id_stage'))
    )
    with op.batch_alter_table('event_duration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_duration_event_id'), ['event_id'], unique=False)

    op.create_table('timetable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('finish', sa.Integer(), nullable=False),
    sa.Column('greedy_finish', sa.Integer(), nullable=False),
    sa.Column('bound', sa.Integer(), nullable=False),
    sa.Column('bound_parts', sa.JSON(), nullable=False),
    sa.Column('solver_status', sa.String(length=12), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('improve_until', _utc(), nullable=True),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.Column('published_at', _utc(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published', 'superseded')", name=op.f('ck_timetable_status')),
    sa.CheckConstraint("solver_status IN ('greedy', 'running', 'improved', 'optimal', 'failed')", name=op.f('ck_timetable_solver_status')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_timetable_meet_id_meet'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_timetable_created_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable'))
    )
    with op.batch_alter_table('timetable', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_meet_id'), ['meet_id'], unique=False)

    op.create_table('timetable_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timetable_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('event_name', sa.String(length=60), nullable=False),
    sa.Column('round_name', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('starts', sa.Integer(), nullable=False),
    sa.Column('ends', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('venue_name', sa.String(length=60), nullable=False),
    sa.Column('unit', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('person_ids', sa.JSON(), nullable=False),
    sa.Column('team_ids', sa.JSON(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends > starts', name=op.f('ck_timetable_slot_times')),
    sa.CheckConstraint('unit >= 1', name=op.f('ck_timetable_slot_unit')),
    sa.CheckConstraint("kind IN ('match', 'heat', 'round', 'ceremony')", name=op.f('ck_timetable_slot_kind')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_timetable_slot_sequence')),
    sa.ForeignKeyConstraint(['timetable_id'], ['timetable.id'], name=op.f('fk_timetable_slot_timetable_id_timetable'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_timetable_slot_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_timetable_slot_venue_id_venue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_slot')),
    sa.UniqueConstraint('timetable_id', 'item_key', name=op.f('uq_timetable_slot_timetable_id_item_key'))
    )
    with op.batch_alter_table('timetable_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_slot_timetable_id'), ['timetable_id'], unique=False)


def downgrade() -> None:
    op.drop_table('timetable_slot')
    op.drop_table('timetable')
    op.drop_table('event_duration')
    op.drop_table('timetable_setting')
    op.drop_table('meet_session')
