"""`flask deals expire`: the daily job that records the expiry of deals past their date (pages show them as
expired already)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from orders.deals import expire_deals
from portal import tenancy
from portal.calendar import local_today
from portal.extensions import db

deals_group = AppGroup("deals", help="Deal registrations.")


@deals_group.command("expire")
def expire() -> None:
    """Record the expiry of registrations past their protection or expected close date."""
    with tenancy.every_partner(reason="the daily expiry looks at every partner's deals"):
        count = expire_deals(local_today())
        db.session.commit()
    click.echo(f"{count} registration(s) expired.")
