"""`flask performance score`: the nightly job that scores every partner's recent months with the newest rules, and
the scoring of history (a range of months)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from performance.scoring import check_month_range, current_rules, score_months
from portal import tenancy
from portal.calendar import add_months, local_today, parse_month
from portal.extensions import db
from portal.security import RuleViolation

performance_group = AppGroup("performance", help="Scorecards.")


@performance_group.command("score")
@click.option("--months", default=12, show_default=True, help="Score this many months up to the last complete one.")
@click.option("--from", "first_text", metavar="YYYY-MM", help="History: the first month of a range to score.")
@click.option("--to", "last_text", metavar="YYYY-MM", help="History: the last month (default: the last complete one).")
def score(months: int, first_text: str | None, last_text: str | None) -> None:
    """Compute the scorecards of the last --months complete months (late lines and new rules show up), or of the
    months --from … --to. Each month is committed when scored, so a stopped run keeps what it did."""
    last_complete = add_months(local_today().replace(day=1), -1)
    if first_text or last_text:
        try:
            first, last = check_month_range(
                parse_month(first_text or ""),
                parse_month(last_text) if last_text else last_complete,
                today=local_today(),
            )
        except RuleViolation as refused:
            raise click.BadParameter(str(refused.message)) from refused
    else:
        first, last = add_months(last_complete, 1 - months), last_complete

    def after_month(month: date, scored: int) -> None:
        db.session.commit()
        click.echo(f"{month:%Y-%m}: {scored} scorecard(s)")

    with tenancy.every_partner(reason="scorecards rank every partner against its peers"):
        count = score_months(first, last, after_month=after_month if first_text or last_text else None)
        version = current_rules().version
        db.session.commit()
    click.echo(f"{count} scorecard(s) computed with version {version} of the rules.")
