"""entry form uploads between preview and commit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:08:10.816533
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('entry_form_upload',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('expires_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_entry_form_upload_team_id_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_entry_form_upload_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_entry_form_upload'))
    )
    with op.batch_alter_table('entry_form_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_form_upload_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_form_upload_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_form_upload_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('entry_form_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_form_upload_user_id'))
        batch_op.drop_index(batch_op.f('ix_entry_form_upload_team_id'))
        batch_op.drop_index(batch_op.f('ix_entry_form_upload_expires_at'))

    op.drop_table('entry_form_upload')
