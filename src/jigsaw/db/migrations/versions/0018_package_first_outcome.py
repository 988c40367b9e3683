"""Packages: when the recipient first recorded an outcome (the package is acted on, not stale).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_outcome_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.drop_column('first_outcome_at')
