"""when each month's lines last changed, so that scorecards computed before can be marked out of date

Revision ID: 3c5e9a1f7b20
Revises: 713f14a589ef
Create Date: 2026-12-01 12:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.migration_types

# revision identifiers, used by Alembic.
revision = "3c5e9a1f7b20"
down_revision = "713f14a589ef"
branch_labels = None
depends_on = None


def upgrade():
    # Months rolled up before keep NULL: nobody knows when their lines came, so no scorecard is called out of date.
    with op.batch_alter_table("monthly_sales", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", portal.migration_types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("monthly_sales", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
