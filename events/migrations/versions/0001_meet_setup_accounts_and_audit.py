"""meet setup, accounts and audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 03:52:29.977847
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_lookup', ['username', 'address', 'at'], unique=False)

    op.create_table('meet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=80), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('registration_opens', sa.Date(), nullable=False),
    sa.Column('registration_closes', sa.Date(), nullable=False),
    sa.Column('per_person_limit', sa.Integer(), nullable=False),
    sa.Column('counted_kinds', sa.JSON(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('edition >= 1', name=op.f('ck_meet_edition')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_meet_dates')),
    sa.CheckConstraint('per_person_limit BETWEEN 1 AND 20', name=op.f('ck_meet_limit')),
    sa.CheckConstraint('registration_closes >= registration_opens', name=op.f('ck_meet_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meet')),
    sa.UniqueConstraint('name', name=op.f('uq_meet_name'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("gender IN ('M', 'F')", name=op.f('ck_person_gender')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('employee_no', name=op.f('uq_person_employee_no'))
    )
    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_team_number')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_team_meet_id_meet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('id', 'meet_id', name=op.f('uq_team_id_meet_id')),
    sa.UniqueConstraint('meet_id', 'name', name=op.f('uq_team_meet_id_name')),
    sa.UniqueConstraint('meet_id', 'number', name=op.f('uq_team_meet_id_number'))
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_meet_id'), ['meet_id'], unique=False)

    op.create_table('venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('track', 'court', 'table', 'hall', 'field')", name=op.f('ck_venue_kind')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_venue_capacity')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_venue_meet_id_meet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue')),
    sa.UniqueConstraint('meet_id', 'name', name=op.f('uq_venue_meet_id_name'))
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_meet_id'), ['meet_id'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('sport', sa.String(length=20), nullable=False),
    sa.Column('division', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('team_quota', sa.Integer(), nullable=True),
    sa.Column('roster_min', sa.Integer(), nullable=True),
    sa.Column('roster_max', sa.Integer(), nullable=True),
    sa.Column('max_men', sa.Integer(), nullable=True),
    sa.Column('max_women', sa.Integer(), nullable=True),
    sa.Column('award_places', sa.Integer(), nullable=False),
    sa.Column('best_of', sa.Integer(), nullable=False),
    sa.Column('final_best_of', sa.Integer(), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("division IN ('men', 'women', 'mixed', 'open')", name=op.f('ck_event_division')),
    sa.CheckConstraint("format IN ('round_robin', 'knockout', 'groups_knockout', 'swiss', 'heats_final', 'timed_final', 'mass_start')", name=op.f('ck_event_format')),
    sa.CheckConstraint("kind IN ('individual_timed', 'individual_measured', 'individual_match', 'team_match', 'relay', 'team_timed')", name=op.f('ck_event_kind')),
    sa.CheckConstraint("sport IN ('basketball', 'table_tennis', 'chess', 'cards', 'tug_of_war', 'athletics', 'badminton', 'fun')", name=op.f('ck_event_sport')),
    sa.CheckConstraint('award_places BETWEEN 0 AND 16', name=op.f('ck_event_awards')),
    sa.CheckConstraint('best_of IN (1, 3, 5, 7)', name=op.f('ck_event_best_of')),
    sa.CheckConstraint('final_best_of IS NULL OR final_best_of IN (1, 3, 5, 7)', name=op.f('ck_event_final_best_of')),
    sa.CheckConstraint('max_men IS NULL OR max_men >= 0', name=op.f('ck_event_max_men')),
    sa.CheckConstraint('max_women IS NULL OR max_women >= 0', name=op.f('ck_event_max_women')),
    sa.CheckConstraint('roster_min IS NULL OR roster_max IS NULL OR roster_min <= roster_max', name=op.f('ck_event_roster')),
    sa.CheckConstraint('team_quota IS NULL OR team_quota >= 1', name=op.f('ck_event_quota')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_event_meet_id_meet'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_event_venue_id_venue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('id', 'meet_id', name=op.f('uq_event_id_meet_id')),
    sa.UniqueConstraint('meet_id', 'code', name=op.f('uq_event_meet_id_code')),
    sa.UniqueConstraint('meet_id', 'name', name=op.f('uq_event_meet_id_name'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_meet_id'), ['meet_id'], unique=False)

    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meet_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('bib', sa.Integer(), nullable=True),
    sa.CheckConstraint('bib IS NULL OR bib >= 1', name=op.f('ck_team_member_bib')),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_team_member_meet_id_meet'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_team_member_person_id_person'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id', 'meet_id'], ['team.id', 'team.meet_id'], name=op.f('fk_team_member_team_id_meet_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_member')),
    sa.UniqueConstraint('meet_id', 'bib', name=op.f('uq_team_member_meet_id_bib')),
    sa.UniqueConstraint('meet_id', 'person_id', name=op.f('uq_team_member_meet_id_person_id'))
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_member_team_id'), ['team_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'leader' OR team_id IS NOT NULL", name=op.f('ck_user_account_leader_team')),
    sa.CheckConstraint("role IN ('organiser', 'leader', 'referee')", name=op.f('ck_user_account_role')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_user_account_team_id_team'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_team_id'), ['team_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('meet_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=60), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_log_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meet_id'], ['meet.id'], name=op.f('fk_audit_log_meet_id_meet'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_meet_id'), ['meet_id'], unique=False)

    op.create_table('auth_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('expires_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_auth_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_auth_session'))
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)

    op.create_table('referee_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('event_id IS NOT NULL OR venue_id IS NOT NULL', name=op.f('ck_referee_assignment_target')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_referee_assignment_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_referee_assignment_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_referee_assignment_venue_id_venue'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referee_assignment')),
    sa.UniqueConstraint('user_id', 'event_id', 'venue_id', name=op.f('uq_referee_assignment_user_id_event_id_venue_id'))
    )
    with op.batch_alter_table('referee_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referee_assignment_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referee_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referee_assignment_user_id'))

    op.drop_table('referee_assignment')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))

    op.drop_table('auth_session')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_meet_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_team_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_team_id'))
        batch_op.drop_index(batch_op.f('ix_team_member_person_id'))

    op.drop_table('team_member')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_meet_id'))

    op.drop_table('event')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_meet_id'))

    op.drop_table('venue')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_meet_id'))

    op.drop_table('team')
    op.drop_table('person')
    op.drop_table('meet')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_lookup')

    op.drop_table('login_failure')
