"""scorecards: targets, scoring rules, scorecards

Revision ID: 2bd88198bf04
Revises: 668f07ae24b2
Create Date: 2026-11-23 16:14:57.422738

"""

import sqlalchemy as sa
from alembic import op

import portal.migration_types

# revision identifiers, used by Alembic.
revision = "2bd88198bf04"
down_revision = "668f07ae24b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sales_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("amount", portal.migration_types.ExactDecimal(precision=24, scale=8), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.migration_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.migration_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_sales_targets_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_sales_targets_set_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_targets")),
        sa.UniqueConstraint("partner_id", "period", name=op.f("uq_sales_targets_partner_id_period")),
    )
    with op.batch_alter_table("sales_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_targets_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "scoring_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("silver_min", sa.Integer(), nullable=False),
        sa.Column("gold_min", sa.Integer(), nullable=False),
        sa.Column("platinum_min", sa.Integer(), nullable=False),
        sa.Column("recommendation_months", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.migration_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scoring_rules_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_rules")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_rules_version")),
    )
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("rules_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("normalised", sa.JSON(), nullable=False),
        sa.Column("rank_in_type", sa.Integer(), nullable=True),
        sa.Column("peers_in_type", sa.Integer(), nullable=False),
        sa.Column("rank_in_region", sa.Integer(), nullable=True),
        sa.Column("peers_in_region", sa.Integer(), nullable=False),
        sa.Column("peer_median", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("computed_at", portal.migration_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_scorecards_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["rules_id"], ["scoring_rules.id"], name=op.f("fk_scorecards_rules_id_scoring_rules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("partner_id", "period", "rules_id", name=op.f("uq_scorecards_partner_id_period_rules_id")),
    )
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecards_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index("ix_scorecards_period", ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecards_rules_id"), ["rules_id"], unique=False)


def downgrade():
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecards_rules_id"))
        batch_op.drop_index("ix_scorecards_period")
        batch_op.drop_index(batch_op.f("ix_scorecards_partner_id"))

    op.drop_table("scorecards")
    op.drop_table("scoring_rules")
    with op.batch_alter_table("sales_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_targets_partner_id"))

    op.drop_table("sales_targets")
