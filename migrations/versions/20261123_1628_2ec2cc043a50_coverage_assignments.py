"""coverage assignments

Revision ID: 2ec2cc043a50
Revises: 2bd88198bf04
Create Date: 2026-11-23 16:28:27.103434

"""

import sqlalchemy as sa
from alembic import op

import portal.migration_types

# revision identifiers, used by Alembic.
revision = "2ec2cc043a50"
down_revision = "2bd88198bf04"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "coverage_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=True),
        sa.Column("is_exclusive", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.migration_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_coverage_assignments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_coverage_assignments_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_lines.id"],
            name=op.f("fk_coverage_assignments_product_line_id_product_lines"),
        ),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_coverage_assignments_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_assignments")),
    )
    with op.batch_alter_table("coverage_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_assignments_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_assignments_region_id"), ["region_id"], unique=False)


def downgrade():
    with op.batch_alter_table("coverage_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coverage_assignments_region_id"))
        batch_op.drop_index(batch_op.f("ix_coverage_assignments_partner_id"))

    op.drop_table("coverage_assignments")
