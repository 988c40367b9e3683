"""Triage queue rows: a digest of what the model saw at the latest assessment.

A report linked to a new one is re-assessed only when what the model sees of it changes; rows
from before this revision have none and are re-assessed the next time.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('triage_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('view_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('triage_state', schema=None) as batch_op:
        batch_op.drop_column('view_digest')
