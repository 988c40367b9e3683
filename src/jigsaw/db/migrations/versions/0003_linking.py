"""Linking: network and series membership, identifier flags, likeness keys, analyst merges.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_subjects',
    sa.Column('subject_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('community', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_link_subjects_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_link_subjects'))
    )
    op.create_index(op.f('ix_link_subjects_network_id'), 'link_subjects', ['network_id'], unique=False)
    op.create_table('link_identifiers',
    sa.Column('identifier_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('subject_count', sa.Integer(), nullable=False),
    sa.Column('shared_reason', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['identifier_id'], ['identifiers.id'], name=op.f('fk_link_identifiers_identifier_id_identifiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('identifier_id', name=op.f('pk_link_identifiers'))
    )
    op.create_index(op.f('ix_link_identifiers_subject_count'), 'link_identifiers', ['subject_count'], unique=False)
    op.create_table('link_media',
    sa.Column('media_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('image_group', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('bank_series', sa.String(length=200), nullable=True),
    sa.Column('bank_victim_identified', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_link_media_media_id_media'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('media_id', name=op.f('pk_link_media'))
    )
    op.create_index(op.f('ix_link_media_image_group'), 'link_media', ['image_group'], unique=False)
    op.create_index(op.f('ix_link_media_series_id'), 'link_media', ['series_id'], unique=False)
    op.create_index(op.f('ix_link_media_bank_series'), 'link_media', ['bank_series'], unique=False)
    op.create_table('link_likeness',
    sa.Column('identifier_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['identifier_id'], ['identifiers.id'], name=op.f('fk_link_likeness_identifier_id_identifiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('identifier_id', 'key_hash', name=op.f('pk_link_likeness'))
    )
    op.create_index(op.f('ix_link_likeness_key_hash'), 'link_likeness', ['key_hash'], unique=False)
    op.create_table('subject_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_a', sa.Integer(), nullable=False),
    sa.Column('subject_b', sa.Integer(), nullable=False),
    sa.Column('reason', sa.LargeBinary(), nullable=False),
    sa.Column('merged_by', sa.String(length=200), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unmerged_by', sa.String(length=200), nullable=True),
    sa.Column('unmerged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unmerge_reason', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['subject_a'], ['subjects.id'], name=op.f('fk_subject_merges_subject_a_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_b'], ['subjects.id'], name=op.f('fk_subject_merges_subject_b_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_merges'))
    )
    op.create_index(op.f('ix_subject_merges_subject_a'), 'subject_merges', ['subject_a'], unique=False)
    op.create_index(op.f('ix_subject_merges_subject_b'), 'subject_merges', ['subject_b'], unique=False)


def downgrade() -> None:
    op.drop_table('subject_merges')
    op.drop_table('link_likeness')
    op.drop_table('link_media')
    op.drop_table('link_identifiers')
    op.drop_table('link_subjects')
