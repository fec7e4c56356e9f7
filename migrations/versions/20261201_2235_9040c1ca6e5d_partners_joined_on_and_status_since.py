"""Partners' own dates: the day each joined and the day it took its present status

Revision ID: 9040c1ca6e5d
Revises: 9d402a7aca86
Create Date: 2026-12-01 22:35:02.320849

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9040c1ca6e5d"
down_revision = "9d402a7aca86"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("status_since", sa.Date(), nullable=True))
    # Until now a partner joined when its row was made; an inactive one took its status when last changed.
    day = "date({})" if op.get_bind().dialect.name == "sqlite" else "CAST({} AS DATE)"
    op.execute(
        f"UPDATE partners SET joined_on = {day.format('created_at')}, status_since = CASE WHEN status = 'active' "
        f"THEN {day.format('created_at')} ELSE {day.format('updated_at')} END"
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.alter_column("joined_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("status_since", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("status_since")
        batch_op.drop_column("joined_on")
