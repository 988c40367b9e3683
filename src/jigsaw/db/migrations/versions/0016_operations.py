"""Operations: coordinated action by many forces on packages allocated to them (targets), the
participating forces, sitreps freezing the board's figures at a cut-off, and revisions logged
against them.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('operations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('coordinating_org_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('objectives', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['package_batches.id'], name=op.f('fk_operations_batch_id_package_batches')),
    sa.ForeignKeyConstraint(['coordinating_org_id'], ['organisations.id'], name=op.f('fk_operations_coordinating_org_id_organisations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_operations_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_operations_lead_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operations')),
    sa.UniqueConstraint('reference', name=op.f('uq_operations_reference'))
    )
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operations_status'), ['status'], unique=False)

    op.create_table('operation_forces',
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_operation_forces_operation_id_operations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_operation_forces_org_id_organisations')),
    sa.PrimaryKeyConstraint('operation_id', 'org_id', name=op.f('pk_operation_forces'))
    )
    with op.batch_alter_table('operation_forces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_forces_org_id'), ['org_id'], unique=False)

    op.create_table('operation_sitreps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cutoff_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_operation_sitreps_created_by_id_users')),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_operation_sitreps_operation_id_operations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operation_sitreps')),
    sa.UniqueConstraint('operation_id', 'number', name='uq_operation_sitreps_operation_number')
    )
    op.create_table('operation_sitrep_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitrep_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.String(length=16), nullable=False),
    sa.Column('figure', sa.String(length=40), nullable=False),
    sa.Column('before', sa.Integer(), nullable=False),
    sa.Column('after', sa.Integer(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sitrep_id'], ['operation_sitreps.id'], name=op.f('fk_operation_sitrep_revisions_sitrep_id_operation_sitreps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operation_sitrep_revisions'))
    )
    with op.batch_alter_table('operation_sitrep_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_operation_sitrep_revisions_sitrep_id_id', ['sitrep_id', 'id'], unique=False)

    op.create_table('operation_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('action_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_operation_targets_added_by_id_users')),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_operation_targets_operation_id_operations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_operation_targets_org_id_organisations')),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_operation_targets_package_id_packages')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_operation_targets_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operation_targets')),
    sa.UniqueConstraint('operation_id', 'package_id', 'subject_id', name='uq_operation_targets_package_subject')
    )
    with op.batch_alter_table('operation_targets', schema=None) as batch_op:
        batch_op.create_index('ix_operation_targets_operation_id_org_id', ['operation_id', 'org_id'], unique=False)
        batch_op.create_index('ix_operation_targets_package_id', ['package_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('operation_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_operation_targets_package_id')
        batch_op.drop_index('ix_operation_targets_operation_id_org_id')

    op.drop_table('operation_targets')
    with op.batch_alter_table('operation_sitrep_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_operation_sitrep_revisions_sitrep_id_id')

    op.drop_table('operation_sitrep_revisions')
    op.drop_table('operation_sitreps')
    with op.batch_alter_table('operation_forces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_forces_org_id'))

    op.drop_table('operation_forces')
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operations_status'))

    op.drop_table('operations')
