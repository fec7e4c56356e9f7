"""version 1 of the scoring rules comes with the schema, so that no page has to create it when first looked at

Revision ID: 1decf0bd77d4
Revises: 476655482bcf
Create Date: 2026-12-01 14:10:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import portal.migration_types

# revision identifiers, used by Alembic.
revision = "1decf0bd77d4"
down_revision = "476655482bcf"
branch_labels = None
depends_on = None

# As performance.scoring.default_rules() has them (written out: a migration keeps the values of its day).
WEIGHTS = {
    "net_sales": 10,
    "target_attainment": 25,
    "growth_yoy": 10,
    "growth_prev": 5,
    "active_customers": 10,
    "new_customers": 5,
    "returns_ratio": 5,
    "deal_win_rate": 10,
    "training_completion": 10,
    "on_time_reporting": 10,
}


def upgrade():
    bind = op.get_bind()
    rules = sa.table(
        "scoring_rules",
        sa.column("version", sa.Integer),
        sa.column("weights", sa.JSON),
        sa.column("silver_min", sa.Integer),
        sa.column("gold_min", sa.Integer),
        sa.column("platinum_min", sa.Integer),
        sa.column("recommendation_months", sa.Integer),
        sa.column("note", sa.String),
        sa.column("created_by_id", sa.Integer),
        sa.column("created_at", portal.migration_types.UTCDateTime(timezone=True)),
    )
    if bind.execute(sa.select(sa.func.count()).select_from(rules)).scalar():
        return  # an installation whose rules page created version 1 already
    bind.execute(
        rules.insert().values(
            version=1,
            weights=WEIGHTS,
            silver_min=50,
            gold_min=65,
            platinum_min=80,
            recommendation_months=3,
            note="",
            created_by_id=None,
            created_at=datetime.now(UTC),
        )
    )


def downgrade():
    # Version 1 stays: scorecards may refer to it, and the code of the revision before creates the same row.
    pass
