"""Dissemination: recipients' profiles and the postcode → police force area table (routing);
packages, their reports, subjects, graded items, history and threads, and batches (dissemination).

The four-eyes rule is a CHECK constraint on packages and batches: the approver is never the author.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('postcode_force_areas',
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=5), nullable=False),
    sa.Column('pfa', sa.String(length=9), nullable=False),
    sa.PrimaryKeyConstraint('postcode', name=op.f('pk_postcode_force_areas'))
    )
    with op.batch_alter_table('postcode_force_areas', schema=None) as batch_op:
        batch_op.create_index('ix_postcode_force_areas_district_pfa', ['district', 'pfa'], unique=False)

    op.create_table('recipient_profiles',
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('spoc_email', sa.String(length=320), nullable=False),
    sa.Column('max_classification', sa.String(length=32), nullable=False),
    sa.Column('max_tlp', sa.String(length=16), nullable=False),
    sa.Column('international', sa.Boolean(), nullable=False),
    sa.Column('accepts_stix', sa.Boolean(), nullable=False),
    sa.Column('covers', sa.JSON(), nullable=False),
    sa.Column('postcode_areas', sa.JSON(), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_recipient_profiles_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_recipient_profiles'))
    )
    op.create_table('package_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> created_by_id', name=op.f('ck_package_batches_four_eyes')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_package_batches_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_package_batches_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_batches')),
    sa.UniqueConstraint('reference', name=op.f('uq_package_batches_reference'))
    )
    op.create_table('packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('rerouted_from_id', sa.Integer(), nullable=True),
    sa.Column('recipient_org_id', sa.Integer(), nullable=True),
    sa.Column('route_basis', sa.String(length=32), nullable=True),
    sa.Column('route_reason', sa.LargeBinary(), nullable=True),
    sa.Column('routing', sa.LargeBinary(), nullable=False),
    sa.Column('classification', sa.String(length=32), nullable=False),
    sa.Column('descriptor', sa.String(length=16), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=True),
    sa.Column('handling', sa.String(length=1000), nullable=False),
    sa.Column('band', sa.String(length=2), nullable=False),
    sa.Column('action_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stale_flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.LargeBinary(), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('response_reason', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> created_by_id', name=op.f('ck_packages_four_eyes')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_packages_approved_by_id_users')),
    sa.ForeignKeyConstraint(['batch_id'], ['package_batches.id'], name=op.f('fk_packages_batch_id_package_batches')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_packages_created_by_id_users')),
    sa.ForeignKeyConstraint(['recipient_org_id'], ['organisations.id'], name=op.f('fk_packages_recipient_org_id_organisations')),
    sa.ForeignKeyConstraint(['rerouted_from_id'], ['packages.id'], name=op.f('fk_packages_rerouted_from_id_packages')),
    sa.ForeignKeyConstraint(['responded_by_id'], ['users.id'], name=op.f('fk_packages_responded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packages')),
    sa.UniqueConstraint('reference', name=op.f('uq_packages_reference'))
    )
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packages_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_packages_recipient_status', ['recipient_org_id', 'status'], unique=False)
        batch_op.create_index('ix_packages_status_ack_due', ['status', 'ack_due_at'], unique=False)
        batch_op.create_index('ix_packages_status_action_by', ['status', 'action_by'], unique=False)

    op.create_table('package_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=200), nullable=False),
    sa.Column('by_org_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.LargeBinary(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['by_org_id'], ['organisations.id'], name=op.f('fk_package_events_by_org_id_organisations')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_package_events_by_user_id_users')),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_events_package_id_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_events'))
    )
    with op.batch_alter_table('package_events', schema=None) as batch_op:
        batch_op.create_index('ix_package_events_package_id_id', ['package_id', 'id'], unique=False)

    op.create_table('package_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('source_evaluation', sa.String(length=1), nullable=False),
    sa.Column('assessment', sa.String(length=1), nullable=False),
    sa.Column('handling', sa.String(length=1), nullable=False),
    sa.Column('conditions', sa.LargeBinary(), nullable=True),
    sa.Column('legacy_5x5x5', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_items_package_id_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_items'))
    )
    with op.batch_alter_table('package_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_items_package_id'), ['package_id'], unique=False)

    op.create_table('package_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=200), nullable=False),
    sa.Column('by_org_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['by_org_id'], ['organisations.id'], name=op.f('fk_package_messages_by_org_id_organisations')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_package_messages_by_user_id_users')),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_messages_package_id_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_messages'))
    )
    with op.batch_alter_table('package_messages', schema=None) as batch_op:
        batch_op.create_index('ix_package_messages_package_id_id', ['package_id', 'id'], unique=False)

    op.create_table('package_reports',
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_reports_package_id_packages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_package_reports_report_id_reports')),
    sa.PrimaryKeyConstraint('package_id', 'report_id', name=op.f('pk_package_reports'))
    )
    with op.batch_alter_table('package_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_reports_report_id'), ['report_id'], unique=False)

    op.create_table('package_subjects',
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_subjects_package_id_packages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_package_subjects_subject_id_subjects')),
    sa.PrimaryKeyConstraint('package_id', 'subject_id', name=op.f('pk_package_subjects'))
    )
    with op.batch_alter_table('package_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_subjects_subject_id'), ['subject_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('package_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_subjects_subject_id'))

    op.drop_table('package_subjects')
    with op.batch_alter_table('package_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_reports_report_id'))

    op.drop_table('package_reports')
    with op.batch_alter_table('package_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_package_messages_package_id_id')

    op.drop_table('package_messages')
    with op.batch_alter_table('package_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_items_package_id'))

    op.drop_table('package_items')
    with op.batch_alter_table('package_events', schema=None) as batch_op:
        batch_op.drop_index('ix_package_events_package_id_id')

    op.drop_table('package_events')
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.drop_index('ix_packages_status_action_by')
        batch_op.drop_index('ix_packages_status_ack_due')
        batch_op.drop_index('ix_packages_recipient_status')
        batch_op.drop_index(batch_op.f('ix_packages_batch_id'))

    op.drop_table('packages')
    op.drop_table('package_batches')
    op.drop_table('recipient_profiles')
    with op.batch_alter_table('postcode_force_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_postcode_force_areas_district_pfa')

    op.drop_table('postcode_force_areas')
