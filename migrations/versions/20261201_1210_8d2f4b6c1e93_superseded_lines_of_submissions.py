"""submissions count the lines that later deliveries replaced, so each shows what it holds now

Revision ID: 8d2f4b6c1e93
Revises: 3c5e9a1f7b20
Create Date: 2026-12-01 12:10:00

"""

import sqlalchemy as sa
from alembic import op

import portal.migration_types

# revision identifiers, used by Alembic.
revision = "8d2f4b6c1e93"
down_revision = "3c5e9a1f7b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column(
                "superseded_amount",
                portal.migration_types.ExactDecimal(precision=24, scale=8),
                server_default="0",
                nullable=False,
            )
        )
    _count_what_moved_away()


def _count_what_moved_away():
    """Completed submissions delivered more than they hold now: the difference went to later deliveries.
    Summed here, exactly (amounts are text on SQLite). Reverted ones hold nothing, and what their revert
    removed was not recorded apart from what moved, so they keep 0."""
    from collections import defaultdict
    from decimal import Decimal

    bind = op.get_bind()
    lines = sa.table("sales_lines", sa.column("submission_id"), sa.column("net_amount", sa.String))
    held = defaultdict(lambda: [0, Decimal(0)])
    for submission_id, net in bind.execute(sa.select(lines.c.submission_id, lines.c.net_amount)):
        held[submission_id][0] += 1
        held[submission_id][1] += Decimal(str(net))
    submissions = sa.table(
        "submissions",
        sa.column("id"),
        sa.column("status"),
        sa.column("row_count"),
        sa.column("total_amount", sa.String),
        sa.column("superseded_count"),
        sa.column("superseded_amount", portal.migration_types.ExactDecimal(24, 8)),
    )
    changes = []
    for submission_id, count, total in bind.execute(
        sa.select(submissions.c.id, submissions.c.row_count, submissions.c.total_amount).where(
            submissions.c.status == "completed"
        )
    ):
        lines_now, amount_now = held.get(submission_id, (0, Decimal(0)))
        if lines_now != count:
            changes.append(
                {"row_id": submission_id, "moved": count - lines_now, "moved_amount": Decimal(str(total)) - amount_now}
            )
    if changes:
        bind.execute(
            submissions.update()
            .where(submissions.c.id == sa.bindparam("row_id"))
            .values(superseded_count=sa.bindparam("moved"), superseded_amount=sa.bindparam("moved_amount")),
            changes,
        )


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("superseded_amount")
        batch_op.drop_column("superseded_count")
