"""Report Abuse buttons: platforms' signing keys, and the route each report came in by.

``entry_route`` is null for reports stored before it existed; statistics read the channel then.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "button_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_button_keys_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_button_keys")),
    )
    with op.batch_alter_table("button_keys", schema=None) as batch_op:
        batch_op.create_index("ix_button_keys_organisation_id", ["organisation_id"], unique=False)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_route", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("entry_org_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_reports_entry_org_id_organisations", "organisations", ["entry_org_id"], ["id"])
        batch_op.create_index("ix_reports_entry_route", ["entry_route"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_entry_route")
        batch_op.drop_constraint("fk_reports_entry_org_id_organisations", type_="foreignkey")
        batch_op.drop_column("entry_org_id")
        batch_op.drop_column("entry_route")
    with op.batch_alter_table("button_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_button_keys_organisation_id")
    op.drop_table("button_keys")
