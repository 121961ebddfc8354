"""联手兴家 pairings and meetings, member occasions, lunar birthdays, calendar feeds

Pairings with partner units and the history of their levels; meeting series (a rule and a local
start, or a one-off meeting) with the occurrences that were moved, cancelled or recorded; member
occasions; the lunar birthday on the person archive; the per-user calendar feed tokens. New
tables, and three person columns (the leap flag with a server default for existing rows).
Every CHECK of the models is here; SQLite alters in batch mode.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LEVELS = "('未达标', '合格', '模范')"


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lunar_birth_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lunar_birth_day', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lunar_birth_leap', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint(
            op.f('ck_person_lunar_birthday'),
            "(lunar_birth_month IS NULL AND lunar_birth_day IS NULL)"
            " OR (lunar_birth_month IS NOT NULL AND lunar_birth_day IS NOT NULL"
            " AND lunar_birth_month BETWEEN 1 AND 12 AND lunar_birth_day BETWEEN 1 AND 30)",
        )

    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('model_unit', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("name <> '' AND model_unit <> ''", name=op.f('ck_pairing_names')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_pairing_period')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_pairing_created_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing')),
    sa.UniqueConstraint('name', name=op.f('uq_pairing_name'))
    )
    op.create_table('pairing_partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=80), nullable=False),
    sa.Column('contact', sa.String(length=60), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint(f"level IN {LEVELS}", name=op.f('ck_pairing_partner_level')),
    sa.CheckConstraint("unit <> ''", name=op.f('ck_pairing_partner_unit')),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_pairing_partner_pairing_id_pairing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_partner')),
    sa.UniqueConstraint('pairing_id', 'unit', name=op.f('uq_pairing_partner_pairing_id_unit'))
    )
    with op.batch_alter_table('pairing_partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_partner_pairing_id'), ['pairing_id'], unique=False)

    op.create_table('partner_level_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.String(length=4), nullable=True),
    sa.Column('to_level', sa.String(length=4), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint(f"to_level IN {LEVELS}", name=op.f('ck_partner_level_change_to_level')),
    sa.CheckConstraint(f"from_level IS NULL OR (from_level IN {LEVELS} AND from_level <> to_level)", name=op.f('ck_partner_level_change_from_level')),
    sa.ForeignKeyConstraint(['changed_by'], ['user_account.id'], name=op.f('fk_partner_level_change_changed_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['pairing_partner.id'], name=op.f('fk_partner_level_change_partner_id_pairing_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_level_change'))
    )
    with op.batch_alter_table('partner_level_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_level_change_partner_id'), ['partner_id'], unique=False)

    op.create_table('meeting_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('dtstart', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('monthly', 'quarterly', 'half_yearly', 'joint', 'exchange', 'custom')", name=op.f('ck_meeting_series_kind')),
    sa.CheckConstraint('duration_minutes BETWEEN 5 AND 1440', name=op.f('ck_meeting_series_duration')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_meeting_series_sequence')),
    sa.CheckConstraint("title <> ''", name=op.f('ck_meeting_series_title')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_meeting_series_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_meeting_series_pairing_id_pairing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_series'))
    )
    with op.batch_alter_table('meeting_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_series_pairing_id'), ['pairing_id'], unique=False)

    op.create_table('meeting_occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('original_start', sa.DateTime(), nullable=False),
    sa.Column('moved_start', sa.DateTime(), nullable=True),
    sa.Column('moved_end', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('attendance', sa.Text(), nullable=False),
    sa.Column('attendee_count', sa.Integer(), nullable=True),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'held', 'cancelled')", name=op.f('ck_meeting_occurrence_status')),
    sa.CheckConstraint('(moved_start IS NULL AND moved_end IS NULL) OR (moved_start IS NOT NULL AND moved_end IS NOT NULL AND moved_end > moved_start)', name=op.f('ck_meeting_occurrence_moved')),
    sa.CheckConstraint("status <> 'cancelled' OR cancel_reason <> ''", name=op.f('ck_meeting_occurrence_cancel_reason')),
    sa.CheckConstraint("status <> 'held' OR minutes <> ''", name=op.f('ck_meeting_occurrence_held_minutes')),
    sa.CheckConstraint('attendee_count IS NULL OR attendee_count >= 0', name=op.f('ck_meeting_occurrence_attendee_count')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_meeting_occurrence_sequence')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'], name=op.f('fk_meeting_occurrence_recorded_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['meeting_series.id'], name=op.f('fk_meeting_occurrence_series_id_meeting_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_occurrence')),
    sa.UniqueConstraint('series_id', 'original_start', name=op.f('uq_meeting_occurrence_series_id_original_start'))
    )
    with op.batch_alter_table('meeting_occurrence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_occurrence_series_id'), ['series_id'], unique=False)

    op.create_table('member_occasion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('occurs_on', sa.Date(), nullable=False),
    sa.Column('at_time', sa.Time(), nullable=True),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('remind_days', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('birthday', 'wedding', 'funeral', 'hospital', 'womens_day', 'labour_day', 'other')", name=op.f('ck_member_occasion_kind')),
    sa.CheckConstraint("person_id IS NOT NULL OR (kind IN ('womens_day', 'labour_day', 'other') AND title <> '')", name=op.f('ck_member_occasion_person')),
    sa.CheckConstraint('remind_days BETWEEN 0 AND 60', name=op.f('ck_member_occasion_remind_days')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_member_occasion_sequence')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_member_occasion_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_member_occasion_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_occasion'))
    )
    with op.batch_alter_table('member_occasion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_occasion_occurs_on'), ['occurs_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_occasion_person_id'), ['person_id'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_user_id'))
    op.drop_table('calendar_feed')
    with op.batch_alter_table('member_occasion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_occasion_person_id'))
        batch_op.drop_index(batch_op.f('ix_member_occasion_occurs_on'))
    op.drop_table('member_occasion')
    with op.batch_alter_table('meeting_occurrence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_occurrence_series_id'))
    op.drop_table('meeting_occurrence')
    with op.batch_alter_table('meeting_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_series_pairing_id'))
    op.drop_table('meeting_series')
    with op.batch_alter_table('partner_level_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_level_change_partner_id'))
    op.drop_table('partner_level_change')
    with op.batch_alter_table('pairing_partner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_partner_pairing_id'))
    op.drop_table('pairing_partner')
    op.drop_table('pairing')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_person_lunar_birthday'), type_='check')
        batch_op.drop_column('lunar_birth_leap')
        batch_op.drop_column('lunar_birth_day')
        batch_op.drop_column('lunar_birth_month')
