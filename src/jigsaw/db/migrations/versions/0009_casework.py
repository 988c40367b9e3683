"""Cases keep the most urgent band, rank and due time of their reports and whether any is
escalated (danger now), indexed, so the case queue filters and sorts on one table.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("band", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("band_rank", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index("ix_cases_queue", ["band_rank", "due_at", "status"], unique=False)
        batch_op.create_index("ix_cases_updated_at", ["updated_at"], unique=False)
        batch_op.create_index("ix_cases_opened_at", ["opened_at"], unique=False)
        batch_op.create_index("ix_cases_due_at", ["due_at", "status"], unique=False)
        batch_op.create_index("ix_cases_danger", ["escalated", "band_rank", "due_at", "status"], unique=False)
        batch_op.create_index("ix_cases_unassigned", ["assignee_id", "band_rank", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_unassigned")
        batch_op.drop_index("ix_cases_danger")
        batch_op.drop_index("ix_cases_due_at")
        batch_op.drop_index("ix_cases_opened_at")
        batch_op.drop_index("ix_cases_updated_at")
        batch_op.drop_index("ix_cases_queue")
        batch_op.drop_column("escalated")
        batch_op.drop_column("due_at")
        batch_op.drop_column("band_rank")
        batch_op.drop_column("band")
