"""`flask training remind`: the daily job that mails people whose certificates expire within 30 days."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal import tenancy
from portal.database import utcnow
from portal.extensions import db
from portal.mail import external_url, send_mail
from training.services import certificates_to_remind

training_group = AppGroup("training", help="Training and certification.")


@training_group.command("remind")
@click.option("--days", default=30, show_default=True, help="Remind this many days before expiry.")
def remind(days: int) -> None:
    """Mail a reminder once for each certificate that expires within --days."""
    with tenancy.every_partner(reason="the daily reminder looks at every partner's certificates"):
        due = certificates_to_remind(within_days=days)
        for certificate in due:
            send_mail(
                certificate.user.email,
                "training/mail/expiry_reminder.txt",
                locale=certificate.user.locale,
                certificate=certificate,
                link=external_url("training.course", course_id=certificate.course_id),
            )
            certificate.reminded_at = utcnow()
        db.session.commit()
    click.echo(f"{len(due)} reminder(s) sent.")
