"""`flask service remind`: staff hear of cases close to a breach, managers of breaches, once per person."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.database import utcnow
from portal.mail import OutboxMessage
from portal.security import Role
from service.models import CaseStatus, SupportCase
from tests.builders import make_case, make_partner, make_user


def test_the_daily_run_mails_each_person_once_and_closes_old_resolved_cases(app, db, every_partner):
    partner = make_partner(region="CN-GD")
    clerk = make_user(partner, role=Role.PARTNER_USER)
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    make_user(role=Role.CHANNEL_MANAGER, regions=("DE",))
    make_case(clerk, subject="Late one", now=utcnow() - timedelta(days=30), with_file=False)
    make_case(clerk, subject="Later one", now=utcnow() - timedelta(days=30), with_file=False)
    old = make_case(clerk, subject="Old resolved", with_file=False)
    old.status, old.resolved_at = CaseStatus.RESOLVED, utcnow() - timedelta(days=20)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["service", "remind"])
    assert result.exit_code == 0 and "1 reminder(s) sent, 1 resolved case(s) closed." in result.output
    digest = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient == manager.email, OutboxMessage.subject.like("Service levels%")
        )
    ).one()
    assert "2 breached" in digest.subject and "Late one" in digest.body and "Later one" in digest.body
    assert db.session.get(SupportCase, old.id).status is CaseStatus.CLOSED
