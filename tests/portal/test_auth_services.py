"""Account rules without HTTP: sign-in, links, invitations, deactivation, roles."""

from __future__ import annotations

import flask
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from partners.models import PartnerStatus
from portal.audit import AuditEntry
from portal.auth import services
from portal.auth.models import User
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import PASSWORD, just_now, make_partner, make_user
from tests.conftest import session_of


@pytest.fixture()
def partner(db, every_partner):
    return make_partner()


def test_authenticate_accepts_the_right_password_case_insensitively(partner):
    user = make_user(partner, email="Clerk@Example.com")
    assert services.authenticate("  clerk@example.COM ", PASSWORD) is user
    assert just_now(user.last_login_at)


@pytest.mark.parametrize("email, password", [("clerk@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)])
def test_authenticate_refuses_wrong_password_and_unknown_account_alike(partner, email, password):
    make_user(partner, email="clerk@example.com")
    assert services.authenticate(email, password) is None


def test_deactivated_user_cannot_log_in(partner):
    user = make_user(partner, is_active=False)
    assert services.authenticate(user.email, PASSWORD) is None


@pytest.mark.parametrize("status", [PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED])
def test_users_of_a_suspended_or_terminated_partner_cannot_log_in(app, db, every_partner, status):
    user = make_user(make_partner(status=status))
    assert services.authenticate(user.email, PASSWORD) is None
    with app.test_request_context():
        flask.session.update(session_of(user))
        assert services.load_user_for_session(user.get_id()) is None


def test_invited_user_without_password_cannot_log_in(partner):
    user = make_user(partner, password=None)
    assert services.authenticate(user.email, "") is None


def test_session_ends_when_the_token_rotates(app, partner):
    user = make_user(partner)
    session_id = user.get_id()
    with app.test_request_context():
        flask.session.update(session_of(user))
        assert services.load_user_for_session(session_id).id == user.id
        services.end_sessions(user)
        assert services.load_user_for_session(session_id) is None
        assert services.load_user_for_session("garbage") is None


def test_reset_link_works_once(app, partner):
    user = make_user(partner)
    token = services.make_link_token(user, services.LinkPurpose.RESET)
    assert services.user_for_link_token(token, services.LinkPurpose.RESET) is user
    services.set_password(user, "a-brand-new-password")
    with pytest.raises(RuleViolation, match="already been used"):
        services.user_for_link_token(token, services.LinkPurpose.RESET)
    assert services.authenticate(user.email, "a-brand-new-password") is user


def test_expired_link_is_refused(app, partner, monkeypatch):
    user = make_user(partner)
    token = services.make_link_token(user, services.LinkPurpose.RESET)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    with pytest.raises(RuleViolation, match="expired"):
        services.user_for_link_token(token, services.LinkPurpose.RESET)


def test_forged_or_foreign_purpose_link_is_refused(app, partner):
    user = make_user(partner)
    invitation = services.make_link_token(user, services.LinkPurpose.INVITE)
    with pytest.raises(RuleViolation, match="not valid"):
        services.user_for_link_token(invitation, services.LinkPurpose.RESET)
    forged = URLSafeTimedSerializer("another-key", salt="qudao.password-reset").dumps({"user": user.id})
    with pytest.raises(RuleViolation, match="not valid"):
        services.user_for_link_token(forged, services.LinkPurpose.RESET)


def test_password_rules(partner):
    user = make_user(partner)
    with pytest.raises(RuleViolation):
        services.set_password(user, "short")
    with pytest.raises(RuleViolation):
        services.set_password(user, "x" * 129)
    with pytest.raises(RuleViolation, match="current password"):
        services.change_password(user, current="not-it", new="another-long-password")


def test_partner_admin_invites_a_colleague_who_gets_a_mail(app, db, partner):
    admin = make_user(partner, role=Role.PARTNER_ADMIN)
    colleague = services.invite_user(
        actor=admin, email="New@Example.com", name="新同事", role=Role.PARTNER_USER, partner=partner
    )
    assert colleague.email == "new@example.com" and colleague.partner is partner and colleague.password_hash is None
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "new@example.com")).one()
    assert "/invitation/" in mail.body
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == colleague.id)).one()
    assert entry.action == "create" and entry.actor_id == admin.id and entry.changes["role"] == [None, "partner_user"]


def test_invitation_to_a_taken_address_is_refused(app, partner):
    admin = make_user(partner, role=Role.PARTNER_ADMIN)
    make_user(partner, email="taken@example.com")
    with pytest.raises(RuleViolation) as error:
        services.invite_user(actor=admin, email="TAKEN@example.com", name="x", role=Role.PARTNER_USER, partner=partner)
    assert error.value.field == "email"


def test_partner_admin_cannot_invite_to_another_partner_or_as_brand_staff(app, db, every_partner, partner):
    admin = make_user(partner, role=Role.PARTNER_ADMIN)
    with pytest.raises(PermissionDenied):
        services.invite_user(
            actor=admin, email="a@example.com", name="x", role=Role.PARTNER_USER, partner=make_partner()
        )
    with pytest.raises(PermissionDenied):
        services.invite_user(actor=admin, email="b@example.com", name="x", role=Role.ADMIN, partner=partner)


def test_partner_user_cannot_invite(app, partner):
    user = make_user(partner, role=Role.PARTNER_USER)
    with pytest.raises(PermissionDenied):
        services.invite_user(actor=user, email="a@example.com", name="x", role=Role.PARTNER_USER, partner=partner)


def test_deactivation_ends_sessions_and_is_audited(partner):
    admin = make_user(partner, role=Role.PARTNER_ADMIN)
    user = make_user(partner)
    old_session = user.get_id()
    services.set_user_active(user, actor=admin, active=False)
    assert services.load_user_for_session(old_session) is None
    assert services.authenticate(user.email, PASSWORD) is None
    services.set_user_active(user, actor=admin, active=True)
    assert services.authenticate(user.email, PASSWORD) is user


def test_nobody_deactivates_themselves(partner):
    admin = make_user(partner, role=Role.PARTNER_ADMIN)
    with pytest.raises(RuleViolation):
        services.set_user_active(admin, actor=admin, active=False)


def test_role_change_must_fit_the_account(partner):
    admin = make_user(role=Role.ADMIN)
    user = make_user(partner)
    services.change_role(user, actor=admin, role=Role.PARTNER_ADMIN)
    assert user.role is Role.PARTNER_ADMIN
    with pytest.raises(RuleViolation):
        services.change_role(user, actor=admin, role=Role.CHANNEL_MANAGER)


def test_two_logins_of_one_account_at_once_both_succeed(db, partner):
    user = make_user(partner, email="twice@example.com")
    db.session.flush()
    # Another request logged the same person in a moment ago and committed: the row's version moved on under
    # the copy this request holds.
    db.session.execute(
        update(User.__table__).where(User.__table__.c.id == user.id).values(version_id=User.__table__.c.version_id + 1)
    )
    assert services.authenticate("twice@example.com", PASSWORD) is user
    db.session.flush()  # a versioned UPDATE of the stale copy would raise StaleDataError here
    assert just_now(user.last_login_at)
