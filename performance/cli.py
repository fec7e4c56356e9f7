"""`flask performance score`: the nightly job that scores every partner's recent months with the newest rules."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from performance.scoring import compute_recent_scorecards, current_rules
from portal import tenancy
from portal.calendar import add_months, local_today
from portal.extensions import db

performance_group = AppGroup("performance", help="Scorecards.")


@performance_group.command("score")
@click.option("--months", default=12, show_default=True, help="Score this many months up to the last complete one.")
def score(months: int) -> None:
    """Compute the scorecards of the last --months complete months (late lines and new rules show up)."""
    with tenancy.every_partner(reason="scorecards rank every partner against its peers"):
        count = compute_recent_scorecards(add_months(local_today().replace(day=1), -1), months)
        version = current_rules().version
        db.session.commit()
    click.echo(f"{count} scorecard(s) computed with version {version} of the rules.")
