"""draws, matches and append-only match results

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:35:22.814735
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types

from events.migrate import append_only_ddl, drop_append_only_ddl


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('bracket', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('published_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.CheckConstraint("format IN ('round_robin', 'knockout', 'groups_knockout', 'swiss', 'heats_final', 'timed_final', 'mass_start')", name=op.f('ck_draw_format')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_draw_status')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_draw_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_draw_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draw')),
    sa.UniqueConstraint('event_id', name=op.f('uq_draw_event_id'))
    )
    op.create_table('draw_entrant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('squad', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('team_name', sa.String(length=60), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['draw.id'], name=op.f('fk_draw_entrant_draw_id_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_draw_entrant_person_id_person'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_draw_entrant_team_id_team'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draw_entrant')),
    sa.UniqueConstraint('draw_id', 'team_id', 'person_id', 'squad', name=op.f('uq_draw_entrant_draw_id_team_id_person_id_squad'))
    )
    with op.batch_alter_table('draw_entrant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draw_entrant_draw_id'), ['draw_id'], unique=False)

    op.create_table('fixture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('group_name', sa.String(length=4), nullable=True),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=True),
    sa.Column('b_id', sa.Integer(), nullable=True),
    sa.Column('best_of', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('winner_side', sa.String(length=1), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'ready', 'done')", name=op.f('ck_fixture_status')),
    sa.CheckConstraint("winner_side IS NULL OR winner_side IN ('a', 'b')", name=op.f('ck_fixture_winner')),
    sa.CheckConstraint('best_of IN (1, 3, 5, 7)', name=op.f('ck_fixture_best_of')),
    sa.CheckConstraint('version >= 0', name=op.f('ck_fixture_version')),
    sa.ForeignKeyConstraint(['a_id'], ['draw_entrant.id'], name=op.f('fk_fixture_a_id_draw_entrant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['b_id'], ['draw_entrant.id'], name=op.f('fk_fixture_b_id_draw_entrant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['draw_id'], ['draw.id'], name=op.f('fk_fixture_draw_id_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_fixture_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_fixture_venue_id_venue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fixture')),
    sa.UniqueConstraint('draw_id', 'key', name=op.f('uq_fixture_draw_id_key'))
    )
    with op.batch_alter_table('fixture', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fixture_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fixture_event_id'), ['event_id'], unique=False)

    op.create_table('match_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('winner_side', sa.String(length=1), nullable=True),
    sa.Column('score', sa.JSON(), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('played', 'walkover', 'forfeit', 'double_forfeit', 'cleared')", name=op.f('ck_match_result_outcome')),
    sa.CheckConstraint("winner_side IS NULL OR winner_side IN ('a', 'b')", name=op.f('ck_match_result_winner')),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user_account.id'], name=op.f('fk_match_result_confirmed_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['fixture.id'], name=op.f('fk_match_result_match_id_fixture'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by'], ['user_account.id'], name=op.f('fk_match_result_submitted_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_result')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_match_result_idempotency_key')),
    sa.UniqueConstraint('match_id', 'version', name=op.f('uq_match_result_match_id_version'))
    )
    with op.batch_alter_table('match_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_result_match_id'), ['match_id'], unique=False)



    _append_only("match_result")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on a table whose rows are history (results, records)."""
    for statement in append_only_ddl(op.get_bind().dialect.name, table):
        op.execute(statement)


def _drop_append_only(table: str) -> None:
    for statement in drop_append_only_ddl(op.get_bind().dialect.name, table):
        op.execute(statement)


def downgrade() -> None:
    _drop_append_only("match_result")
    with op.batch_alter_table('match_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_result_match_id'))

    op.drop_table('match_result')
    with op.batch_alter_table('fixture', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fixture_event_id'))
        batch_op.drop_index(batch_op.f('ix_fixture_draw_id'))

    op.drop_table('fixture')
    with op.batch_alter_table('draw_entrant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draw_entrant_draw_id'))

    op.drop_table('draw_entrant')
    op.drop_table('draw')
