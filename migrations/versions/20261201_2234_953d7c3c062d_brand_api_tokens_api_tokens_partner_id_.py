"""brand API tokens: an admin's token belongs to no partner, so api_tokens.partner_id may be NULL

Revision ID: 953d7c3c062d
Revises: 9040c1ca6e5d
Create Date: 2026-12-01 22:34:27.631989

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "953d7c3c062d"
down_revision = "9040c1ca6e5d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("partner_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Brand tokens have no place in the older table: they go, as if revoked.
    op.execute("DELETE FROM api_tokens WHERE partner_id IS NULL")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("partner_id", existing_type=sa.Integer(), nullable=False)
