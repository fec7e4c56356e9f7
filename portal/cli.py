"""Command-line entry points: thin like views, they call services and commit once."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import tenancy
from portal.extensions import db

seed_group = AppGroup("seed", help="Load demonstration data.")
users_group = AppGroup("users", help="Manage accounts.")
outbox_group = AppGroup("outbox", help="The mail outbox.")

# Each domain's seed_demo(): adds its share and returns the logins it created as (role, email, password).
Seeder = Callable[[], list[tuple[str, str, str]]]


def install(app: Flask, seeders: list[Seeder]) -> None:
    @seed_group.command("demo")
    def seed_demo() -> None:
        """Load the demo partners, users and their data, unless the database holds users already."""
        from portal.auth.models import User

        with tenancy.every_partner(reason="seeding an empty database"):
            if db.session.query(User.id).first() is not None:
                click.echo("The database holds data already: no demo data loaded.")
                return
            logins = [login for seeder in seeders for login in seeder()]
            db.session.commit()
        click.echo(f"Demo logins ({current_app.config['PORTAL_URL']}):")
        for role, email, password in logins:
            click.echo(f"  {role:<16} {email:<34} {password}")

    @users_group.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", default="Administrator")
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create a brand administrator who can log in at once."""
        from portal.auth.models import User
        from portal.auth.services import find_user_by_email, hash_password, normalise_email
        from portal.security import Role

        with tenancy.every_partner(reason="creating the first administrator"):
            if find_user_by_email(email):
                raise click.ClickException(f"{email} has an account already")
            db.session.add(
                User(email=normalise_email(email), name=name, role=Role.ADMIN, password_hash=hash_password(password))
            )
            db.session.commit()
        click.echo(f"Administrator {email} created.")

    @outbox_group.command("deliver")
    def deliver() -> None:
        """Send queued and failed messages by SMTP again (needs MAIL_SERVER)."""
        from portal.mail import deliver_queued

        if not current_app.config["MAIL_SERVER"]:
            raise click.ClickException("MAIL_SERVER is not set: the outbox is the delivery")
        click.echo(f"{deliver_queued()} message(s) tried.")
        db.session.commit()

    for group in (seed_group, users_group, outbox_group):
        app.cli.add_command(group)
