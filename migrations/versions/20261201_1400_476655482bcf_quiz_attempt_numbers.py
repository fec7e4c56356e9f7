"""quiz attempts are numbered per learner and course, one number each, so parallel starts cannot pass the limit

Revision ID: 476655482bcf
Revises: 8d2f4b6c1e93
Create Date: 2026-12-01 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "476655482bcf"
down_revision = "8d2f4b6c1e93"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # Attempts already there are numbered in the order they began (ids rise with time). Those a race let past
    # the limit get numbers above it, which the code refuses to score.
    op.execute(
        "UPDATE quiz_attempts SET number = (SELECT count(*) FROM quiz_attempts AS earlier"
        " WHERE earlier.user_id = quiz_attempts.user_id AND earlier.course_id = quiz_attempts.course_id"
        " AND earlier.id <= quiz_attempts.id)"
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_quiz_attempts_user_id_course_id_number"), ["user_id", "course_id", "number"]
        )


def downgrade():
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_quiz_attempts_user_id_course_id_number"), type_="unique")
        batch_op.drop_column("number")
