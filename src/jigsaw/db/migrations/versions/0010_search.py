"""Reports are found by their external id alone: search looks CyberTipline report ids up.

The unique (submitted_by_org_id, external_id) constraint cannot serve a lookup by external id
without the organisation, so without this index such a search read every report.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_external_id", ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_external_id")
