"""Most Wanted: appeals, their approvals, history and photo, anonymous tips, subscribers and the
suppression list; the outbox gains an HTML part and extra headers (RFC 8058 one-click unsubscribe);
and the education programme's deliverers, sessions and surveys.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appeal_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.LargeBinary(), nullable=False),
    sa.Column('email_index', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('consent_version', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_nonce', sa.String(length=32), nullable=False),
    sa.Column('confirmations_sent', sa.Integer(), nullable=False),
    sa.Column('last_confirmation_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_subscribers')),
    sa.UniqueConstraint('email_index', name=op.f('uq_appeal_subscribers_email_index'))
    )
    with op.batch_alter_table('appeal_subscribers', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_subscribers_status', ['status'], unique=False)

    op.create_table('appeal_suppressions',
    sa.Column('email_index', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('email_index', name=op.f('pk_appeal_suppressions'))
    )
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('slug', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('owning_force_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('public', sa.LargeBinary(), nullable=False),
    sa.Column('justification', sa.LargeBinary(), nullable=False),
    sa.Column('review_by', sa.Date(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_note', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_appeals_author_id_users')),
    sa.ForeignKeyConstraint(['owning_force_id'], ['organisations.id'], name=op.f('fk_appeals_owning_force_id_organisations')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_appeals_subject_id_subjects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('reference', name=op.f('uq_appeals_reference')),
    sa.UniqueConstraint('slug', name=op.f('uq_appeals_slug'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_owning_force_id'), ['owning_force_id'], unique=False)
        batch_op.create_index('ix_appeals_status_review_by', ['status', 'review_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_subject_id'), ['subject_id'], unique=False)

    op.create_table('appeal_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_approvals_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_appeal_approvals_approver_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_approvals')),
    sa.UniqueConstraint('appeal_id', 'approver_id', name=op.f('uq_appeal_approvals_appeal_id'))
    )
    with op.batch_alter_table('appeal_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_approvals_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('appeal_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=200), nullable=False),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_events_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_appeal_events_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_events'))
    )
    with op.batch_alter_table('appeal_events', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_events_appeal_id_id', ['appeal_id', 'id'], unique=False)

    op.create_table('appeal_photos',
    sa.Column('appeal_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_photos_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_appeal_photos_uploaded_by_users')),
    sa.PrimaryKeyConstraint('appeal_id', name=op.f('pk_appeal_photos'))
    )
    op.create_table('appeal_tips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('passphrase_hash', sa.String(length=200), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('owning_force_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_tips_appeal_id_appeals')),
    sa.ForeignKeyConstraint(['owning_force_id'], ['organisations.id'], name=op.f('fk_appeal_tips_owning_force_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_tips')),
    sa.UniqueConstraint('reference', name=op.f('uq_appeal_tips_reference'))
    )
    with op.batch_alter_table('appeal_tips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_tips_appeal_id'), ['appeal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_tips_owning_force_id'), ['owning_force_id'], unique=False)

    op.create_table('appeal_tip_reports',
    sa.Column('report_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_appeal_tip_reports_report_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tip_id'], ['appeal_tips.id'], name=op.f('fk_appeal_tip_reports_tip_id_appeal_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_appeal_tip_reports'))
    )
    with op.batch_alter_table('appeal_tip_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_tip_reports_tip_id'), ['tip_id'], unique=False)

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('headers', sa.LargeBinary(), nullable=True))

    # Education programme records.
    op.create_table('education_deliverers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.LargeBinary(), nullable=False),
    sa.Column('email', sa.LargeBinary(), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('course', sa.String(length=200), nullable=False),
    sa.Column('trained_on', sa.Date(), nullable=False),
    sa.Column('conduct_accepted', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_deliverers'))
    )
    op.create_table('education_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverer_id', sa.Integer(), nullable=False),
    sa.Column('setting_name', sa.String(length=200), nullable=False),
    sa.Column('setting_type', sa.String(length=32), nullable=False),
    sa.Column('setting_urn', sa.String(length=20), nullable=True),
    sa.Column('setting_key', sa.String(length=300), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('children', sa.JSON(), nullable=False),
    sa.Column('children_total', sa.Integer(), nullable=False),
    sa.Column('parents', sa.Integer(), nullable=False),
    sa.Column('professionals', sa.Integer(), nullable=False),
    sa.Column('resource', sa.String(length=200), nullable=False),
    sa.Column('resource_version', sa.String(length=40), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deliverer_id'], ['education_deliverers.id'], name=op.f('fk_education_sessions_deliverer_id_education_deliverers')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_education_sessions_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_sessions'))
    )
    with op.batch_alter_table('education_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_education_sessions_deliverer_id'), ['deliverer_id'], unique=False)
        batch_op.create_index('ix_education_sessions_held_on', ['held_on'], unique=False)

    op.create_table('education_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instrument', sa.Text(), nullable=False),
    sa.Column('fieldwork_start', sa.Date(), nullable=False),
    sa.Column('fieldwork_end', sa.Date(), nullable=False),
    sa.Column('population', sa.String(length=200), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('caveats', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_education_surveys_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_surveys'))
    )


def downgrade() -> None:
    op.drop_table('education_surveys')
    with op.batch_alter_table('education_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_education_sessions_held_on')
        batch_op.drop_index(batch_op.f('ix_education_sessions_deliverer_id'))

    op.drop_table('education_sessions')
    op.drop_table('education_deliverers')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('headers')
        batch_op.drop_column('html')

    with op.batch_alter_table('appeal_tip_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_tip_reports_tip_id'))

    op.drop_table('appeal_tip_reports')
    with op.batch_alter_table('appeal_tips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_tips_owning_force_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_tips_appeal_id'))

    op.drop_table('appeal_tips')
    op.drop_table('appeal_photos')
    with op.batch_alter_table('appeal_events', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_events_appeal_id_id')

    op.drop_table('appeal_events')
    with op.batch_alter_table('appeal_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_approvals_appeal_id'))

    op.drop_table('appeal_approvals')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_subject_id'))
        batch_op.drop_index('ix_appeals_status_review_by')
        batch_op.drop_index(batch_op.f('ix_appeals_owning_force_id'))

    op.drop_table('appeals')
    op.drop_table('appeal_suppressions')
    with op.batch_alter_table('appeal_subscribers', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_subscribers_status')

    op.drop_table('appeal_subscribers')
