"""Outcomes: what receiving forces recorded against packages (warrant stages, arrests, charges,
convictions, children safeguarded, offenders located, Home Office outcome types), and networks the
centre recorded as disrupted or dismantled.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('network_disruptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('anchor_subject_id', sa.Integer(), nullable=False),
    sa.Column('network_label', sa.Integer(), nullable=False),
    sa.Column('subject_count', sa.Integer(), nullable=False),
    sa.Column('effect', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['anchor_subject_id'], ['subjects.id'], name=op.f('fk_network_disruptions_anchor_subject_id_subjects')),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_network_disruptions_package_id_packages')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_network_disruptions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_disruptions')),
    sa.UniqueConstraint('reference', name=op.f('uq_network_disruptions_reference'))
    )
    with op.batch_alter_table('network_disruptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_disruptions_anchor_subject_id'), ['anchor_subject_id'], unique=False)
        batch_op.create_index('ix_network_disruptions_effect_occurred_at', ['effect', 'occurred_at'], unique=False)

    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('body_digest', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('warrant_stage', sa.String(length=16), nullable=True),
    sa.Column('category', sa.String(length=24), nullable=True),
    sa.Column('age_band', sa.String(length=8), nullable=True),
    sa.Column('victim_subject_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('home_office_outcome', sa.Integer(), nullable=True),
    sa.Column('charge_count', sa.Integer(), nullable=True),
    sa.Column('contact_offence', sa.Boolean(), nullable=True),
    sa.Column('devices_seized', sa.Integer(), nullable=True),
    sa.Column('devices_examined', sa.Integer(), nullable=True),
    sa.Column('registered_sex_offender', sa.Boolean(), nullable=True),
    sa.Column('position_of_trust', sa.Boolean(), nullable=True),
    sa.Column('high_risk', sa.Boolean(), nullable=True),
    sa.Column('details', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_reason', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint('count >= 1', name=op.f('ck_outcomes_count_positive')),
    sa.CheckConstraint('home_office_outcome IS NULL OR (home_office_outcome >= 0 AND home_office_outcome <= 22)', name=op.f('ck_outcomes_home_office_outcome_range')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_outcomes_org_id_organisations')),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_outcomes_package_id_packages')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_outcomes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_outcomes_subject_id_subjects')),
    sa.ForeignKeyConstraint(['victim_subject_id'], ['subjects.id'], name=op.f('fk_outcomes_victim_subject_id_subjects')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_outcomes_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('org_id', 'reference', name='uq_outcomes_org_reference')
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_outcomes_kind_occurred_at', ['kind', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_outcomes_package_id_subject_id', ['package_id', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_subject_id'), ['subject_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_subject_id'))
        batch_op.drop_index(batch_op.f('ix_outcomes_recorded_at'))
        batch_op.drop_index('ix_outcomes_package_id_subject_id')
        batch_op.drop_index(batch_op.f('ix_outcomes_org_id'))
        batch_op.drop_index('ix_outcomes_kind_occurred_at')

    op.drop_table('outcomes')
    with op.batch_alter_table('network_disruptions', schema=None) as batch_op:
        batch_op.drop_index('ix_network_disruptions_effect_occurred_at')
        batch_op.drop_index(batch_op.f('ix_network_disruptions_anchor_subject_id'))

    op.drop_table('network_disruptions')
