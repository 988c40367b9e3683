"""Triage: configurations, assessments, queue state, item records, overrides, media matches.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'triage_configs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('proposed_by', sa.String(length=200), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved_by', sa.String(length=200), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_configs')),
        sa.UniqueConstraint('version', name=op.f('uq_triage_configs_version')),
    )
    op.create_index(op.f('ix_triage_configs_status'), 'triage_configs', ['status'], unique=False)

    op.create_table(
        'triage_assessments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('trigger', sa.String(length=64), nullable=False),
        sa.Column('config_version', sa.String(length=64), nullable=False),
        sa.Column('band', sa.String(length=2), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('actionability', sa.Integer(), nullable=False),
        sa.Column('worst_band', sa.String(length=2), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('explanation', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_triage_assessments_report_id_reports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_assessments')),
    )
    op.create_index('ix_triage_assessments_report_id_id', 'triage_assessments', ['report_id', 'id'], unique=False)

    op.create_table(
        'triage_state',
        sa.Column('report_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('model_band', sa.String(length=2), nullable=False),
        sa.Column('band', sa.String(length=2), nullable=False),
        sa.Column('band_rank', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('actionability', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_assessed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('override_id', sa.Integer(), nullable=True),
        sa.Column('pending_override', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_triage_state_report_id_reports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('report_id', name=op.f('pk_triage_state')),
    )
    op.create_index('ix_triage_state_queue', 'triage_state', ['band_rank', 'due_at', 'actionability'], unique=False)
    op.create_index('ix_triage_state_due_at', 'triage_state', ['due_at'], unique=False)

    op.create_table(
        'triage_item_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=8), nullable=False),
        sa.Column('evidence', sa.LargeBinary(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_triage_item_records_report_id_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                                name=op.f('fk_triage_item_records_subject_id_subjects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_item_records')),
    )
    op.create_index('ix_triage_item_records_subject_item', 'triage_item_records', ['subject_id', 'item_id', 'id'],
                    unique=False)
    op.create_index(op.f('ix_triage_item_records_report_id'), 'triage_item_records', ['report_id'], unique=False)

    op.create_table(
        'triage_overrides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('from_band', sa.String(length=2), nullable=False),
        sa.Column('to_band', sa.String(length=2), nullable=False),
        sa.Column('reason_code', sa.String(length=64), nullable=False),
        sa.Column('reason_text', sa.LargeBinary(), nullable=False),
        sa.Column('requested_by', sa.String(length=200), nullable=False),
        sa.Column('requested_by_user_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_triage_overrides_report_id_reports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_overrides')),
    )
    op.create_index(op.f('ix_triage_overrides_report_id'), 'triage_overrides', ['report_id'], unique=False)
    op.create_index(op.f('ix_triage_overrides_status'), 'triage_overrides', ['status'], unique=False)
    op.create_index(op.f('ix_triage_overrides_requested_by_user_id'), 'triage_overrides', ['requested_by_user_id'],
                    unique=False)

    op.create_table(
        'media_matches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('bank_entry_id', sa.Integer(), nullable=False),
        sa.Column('bank', sa.String(length=64), nullable=False),
        sa.Column('signal_type', sa.String(length=16), nullable=False),
        sa.Column('distance', sa.Integer(), nullable=False),
        sa.Column('uk_category', sa.String(length=1), nullable=True),
        sa.Column('vics_category', sa.Integer(), nullable=True),
        sa.Column('series', sa.String(length=200), nullable=True),
        sa.Column('victim_identified', sa.Boolean(), nullable=True),
        sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_media_matches_media_id_media'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_media_matches_report_id_reports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_matches')),
        sa.UniqueConstraint('media_id', 'bank_entry_id', name=op.f('uq_media_matches_media_id')),
    )
    op.create_index(op.f('ix_media_matches_report_id'), 'media_matches', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_media_matches_report_id'), table_name='media_matches')
    op.drop_table('media_matches')
    for name in ('ix_triage_overrides_requested_by_user_id', 'ix_triage_overrides_status',
                 'ix_triage_overrides_report_id'):
        op.drop_index(name, table_name='triage_overrides')
    op.drop_table('triage_overrides')
    op.drop_index('ix_triage_item_records_report_id', table_name='triage_item_records')
    op.drop_index('ix_triage_item_records_subject_item', table_name='triage_item_records')
    op.drop_table('triage_item_records')
    op.drop_index('ix_triage_state_due_at', table_name='triage_state')
    op.drop_index('ix_triage_state_queue', table_name='triage_state')
    op.drop_table('triage_state')
    op.drop_index('ix_triage_assessments_report_id_id', table_name='triage_assessments')
    op.drop_table('triage_assessments')
    op.drop_index('ix_triage_configs_status', table_name='triage_configs')
    op.drop_table('triage_configs')
