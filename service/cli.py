"""`flask service remind`: the daily run that tells staff of cases close to a breach and managers of breaches, and
closes the cases resolved longer ago than their requester may reopen them."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal import tenancy
from portal.extensions import db
from service.cases import close_resolved_cases, send_daily_reminders

service_group = AppGroup("service", help="Support cases and service levels.")


@service_group.command("remind")
def remind() -> None:
    """Mail the daily reminders about service levels, and close the cases past their reopening window."""
    with tenancy.every_partner(reason="the daily run looks at every partner's cases"):
        sent = send_daily_reminders()
        closed = close_resolved_cases()
        db.session.commit()
    click.echo(f"{sent} reminder(s) sent, {closed} resolved case(s) closed.")
