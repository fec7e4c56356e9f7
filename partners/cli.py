"""`flask regions load`: the region tree from pycountry and the shipped city list."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from partners.regions import load_regions
from portal.extensions import db

regions_group = AppGroup("regions", help="The region tree.")


@regions_group.command("load")
def load() -> None:
    """Add missing countries, subdivisions and Chinese cities, and refresh the names of known ones; safe to run
    again."""
    added = load_regions()
    db.session.commit()
    click.echo(f"{added} region(s) added.")
