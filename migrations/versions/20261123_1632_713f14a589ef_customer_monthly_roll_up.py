"""customer monthly roll-up

Revision ID: 713f14a589ef
Revises: 2ec2cc043a50
Create Date: 2026-11-23 16:32:48.058019

"""

import sqlalchemy as sa
from alembic import op

import portal.migration_types

# revision identifiers, used by Alembic.
revision = "713f14a589ef"
down_revision = "2ec2cc043a50"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_monthly_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("net_amount", portal.migration_types.ExactDecimal(precision=24, scale=8), nullable=False),
        sa.Column("sale_lines", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_monthly_sales_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_customer_monthly_sales_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_monthly_sales")),
        sa.UniqueConstraint("customer_id", "period", name=op.f("uq_customer_monthly_sales_customer_id_period")),
    )
    with op.batch_alter_table("customer_monthly_sales", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_monthly_sales_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index("ix_customer_monthly_sales_partner_id_period", ["partner_id", "period"], unique=False)
        batch_op.create_index("ix_customer_monthly_sales_period", ["period"], unique=False)
    _fill_from_the_lines()


def _fill_from_the_lines():
    """Sum the lines already reported, exactly (amounts are text on SQLite, so the sums are made here)."""
    from collections import defaultdict
    from decimal import Decimal

    lines = sa.table(
        "sales_lines",
        sa.column("partner_id"),
        sa.column("customer_id"),
        sa.column("period"),
        sa.column("net_amount", sa.String),
        sa.column("is_return"),
    )
    months = defaultdict(lambda: [Decimal(0), 0, 0])
    for partner_id, customer_id, period, net, is_return in op.get_bind().execute(
        sa.select(lines.c.partner_id, lines.c.customer_id, lines.c.period, lines.c.net_amount, lines.c.is_return)
    ):
        month = months[(partner_id, customer_id, period)]
        month[0] += Decimal(str(net))
        month[1] += 0 if is_return else 1
        month[2] += 1
    table = sa.table(
        "customer_monthly_sales",
        sa.column("partner_id"),
        sa.column("customer_id"),
        sa.column("period"),
        sa.column("net_amount", portal.migration_types.ExactDecimal(24, 8)),
        sa.column("sale_lines"),
        sa.column("line_count"),
    )
    rows = [
        {"partner_id": p, "customer_id": c, "period": m, "net_amount": net, "sale_lines": sales, "line_count": count}
        for (p, c, m), (net, sales, count) in months.items()
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    with op.batch_alter_table("customer_monthly_sales", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_monthly_sales_period")
        batch_op.drop_index("ix_customer_monthly_sales_partner_id_period")
        batch_op.drop_index(batch_op.f("ix_customer_monthly_sales_partner_id"))

    op.drop_table("customer_monthly_sales")
