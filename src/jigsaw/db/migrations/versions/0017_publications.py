"""Publications: strategic threat assessments, one row per version (the written assessment
encrypted, the figures frozen as JSON when a version is approved).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('threat_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sections', sa.LargeBinary(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('classification', sa.String(length=24), nullable=False),
    sa.Column('descriptor', sa.String(length=16), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=True),
    sa.Column('handling', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_reason', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_threat_assessments_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_threat_assessments_created_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['threat_assessments.id'], name=op.f('fk_threat_assessments_supersedes_id_threat_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threat_assessments')),
    sa.UniqueConstraint('reference', 'version', name='uq_threat_assessments_reference_version')
    )
    with op.batch_alter_table('threat_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_threat_assessments_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_threat_assessments_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('threat_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_threat_assessments_status'))
        batch_op.drop_index(batch_op.f('ix_threat_assessments_reference'))

    op.drop_table('threat_assessments')
