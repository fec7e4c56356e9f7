"""Sales lines newest first, with the columns the lines list filters on: a page of a million lines reads its ids
from this index alone

Revision ID: 4687f09e1b01
Revises: e5abbfc47981
Create Date: 2026-12-01 23:05:22.891121

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4687f09e1b01"
down_revision = "e5abbfc47981"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_sales_lines_newest_first",
        "sales_lines",
        [
            sa.literal_column("order_date DESC"),
            "order_no",
            "line_no",
            "id",
            "partner_id",
            "product_id",
            "is_return",
        ],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_sales_lines_newest_first", table_name="sales_lines")
