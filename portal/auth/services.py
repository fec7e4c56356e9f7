"""Account rules: passwords, sign-in, time-limited links, invitations, deactivation."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit, queue, tenancy
from portal.auth import sessions
from portal.auth.models import User, new_session_token
from portal.auth.passwords import check_password_rules
from portal.database import utcnow
from portal.extensions import db
from portal.mail import external_url, send_mail
from portal.security import PARTNER_ROLES, PermissionDenied, Role, RuleViolation

if TYPE_CHECKING:
    from partners.models import Partner

# Other domains listen: partners ticks "invite a colleague" on its onboarding checklist.
signals = Namespace()
user_invited = signals.signal("user-invited")

_hasher = PasswordHasher()
# Verifying against this when the account does not exist costs the same time as a real check.
_DUMMY_HASH = _hasher.hash("qudao-no-such-account")
AUDITED = ("email", "name", "role", "is_active", "partner_id")


class LinkPurpose:
    RESET = "password-reset"
    INVITE = "invitation"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def users_in_scope() -> list[User]:
    """The users the actor manages: brand staff first, then each partner's users, by name."""
    return list(db.session.scalars(select(User).order_by(User.partner_id.is_not(None), User.partner_id, User.name)))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def channel_managers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.CHANNEL_MANAGER).order_by(User.name)))


def find_user_by_email(email: str) -> User | None:
    with tenancy.every_partner(reason="looking up an account by its address"):
        return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right and the account may log in; None otherwise, whatever the cause,
    so that the answer never tells whether an account exists."""
    user = find_user_by_email(email)
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.may_log_in or user.password_hash is None:  # may_log_in: the hash is set
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # Bookkeeping, not an edit: written without the version check, so the same person logging in twice at once
    # (two tabs, a script) does not fail one of the logins.
    now = utcnow()
    db.session.execute(update(User.__table__).where(User.__table__.c.id == user.id).values(last_login_at=now))
    set_committed_value(user, "last_login_at", now)
    return user


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login's loader: the cookie names the user, their session token and a session kept on the server;
    a rotated token, an ended session, a deactivated account or a suspended partner ends it."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    with tenancy.every_partner(reason="loading the logged-in user"):
        user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not sessions.is_open(user.id):
        return None
    return user if user.may_log_in else None


def end_sessions(user: User) -> None:
    """Every session and emailed link of this user stops working. The caller commits."""
    user.session_token = new_session_token()
    sessions.end_all(user)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"qudao.{purpose}")


def _fingerprint(user: User) -> str:
    """Changes whenever the password or the session token does, so a used link is spent."""
    material = f"{user.password_hash or ''}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def make_link_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_link_token(token: str, purpose: str) -> User:
    """The user a password link was made for. Raises RuleViolation for expired, used or forged links."""
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == LinkPurpose.INVITE else "PASSWORD_RESET_MAX_AGE"]
    try:
        payload: dict[str, Any] = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise RuleViolation(_l("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise RuleViolation(_l("This link is not valid.")) from None
    with tenancy.every_partner(reason="following an emailed password link"):
        user = db.session.get(User, payload.get("user"))
        partner_active = user is not None and (user.partner is None or user.partner.is_active)
    if user is None or payload.get("fp") != _fingerprint(user) or not user.is_active or not partner_active:
        raise RuleViolation(_l("This link has already been used or is no longer valid. Ask for a new one."))
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session and link of the user. The caller commits."""
    check_password_rules(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    end_sessions(user)


def change_password(user: User, *, current: str, new: str) -> None:
    try:
        _hasher.verify(user.password_hash or _DUMMY_HASH, current)
    except (VerificationError, InvalidHashError):
        raise RuleViolation(_l("The current password is not right."), field="current_password") from None
    set_password(user, new)


def request_password_reset(email: str) -> None:
    """Hand the request to the worker, whatever the address: the page does the same work, in the same time, for
    an address with an account and one without, so it tells nobody which addresses have one."""
    queue.enqueue(send_password_reset, normalise_email(email))


def send_password_reset(email: str) -> None:
    """The task: mail a reset link when the address belongs to an account that may log in; nothing otherwise.
    The link is made from PORTAL_URL, never from a request's Host header."""
    user = find_user_by_email(email)
    if user is None or not user.may_log_in:
        return
    _mail_link(
        user,
        LinkPurpose.RESET,
        "auth.reset_password",
        "auth/mail/reset_password.txt",
        hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )


def _mail_link(user: User, purpose: str, endpoint: str, template: str, **context: Any) -> None:
    """Mail the user, in their language, a signed link for `purpose` to the page at `endpoint`."""
    link = external_url(endpoint, token=make_link_token(user, purpose))
    send_mail(user.email, template, locale=user.locale, user=user, link=link, **context)
    db.session.commit()


def can_manage_users_of(actor: User, partner_id: int | None) -> bool:
    """Admins manage everyone; a partner_admin the users of their own partner."""
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.PARTNER_ADMIN and partner_id is not None and actor.partner_id == partner_id


def invite_user(
    *, actor: User, email: str, name: str, role: Role, partner: Partner | None, locale: str | None = None
) -> User:
    """Create an account without a password and mail a set-password link. Raises PermissionDenied or
    RuleViolation (taken address, role not fitting the partner); the caller commits."""
    if not can_manage_users_of(actor, partner.id if partner else None):
        raise PermissionDenied()
    if actor.role is not Role.ADMIN and role not in PARTNER_ROLES:
        raise PermissionDenied()
    if (partner is None) == (role in PARTNER_ROLES):
        raise RuleViolation(_l("Partner roles need a partner; brand roles must not have one."), field="role")
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise RuleViolation(_l("An account with this address exists already."), field="email")
    user = User(email=email, name=name.strip(), role=role, partner=partner, locale=locale)
    db.session.add(user)
    db.session.flush()
    audit.created(user, AUDITED, actor=actor, partner_id=user.partner_id)
    send_invitation(user, invited_by=actor)
    user_invited.send(user, invited_by=actor)
    return user


def send_invitation(user: User, *, invited_by: User) -> None:
    _mail_link(
        user,
        LinkPurpose.INVITE,
        "auth.accept_invitation",
        "auth/mail/invitation.txt",
        inviter=invited_by,
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )


def set_user_active(user: User, *, actor: User, active: bool) -> None:
    """Deactivate (ending sessions) or reactivate a user. Nobody deactivates themselves. The caller commits."""
    if not can_manage_users_of(actor, user.partner_id):
        raise PermissionDenied()
    if user.id == actor.id:
        raise RuleViolation(_l("You cannot deactivate your own account."))
    with audit.tracking(user, AUDITED, actor=actor, partner_id=user.partner_id):
        user.is_active = active
        if not active:
            end_sessions(user)
    db.session.flush()


def change_role(user: User, *, actor: User, role: Role) -> None:
    """Partner admins switch their users between partner roles; admins change brand roles too."""
    if not can_manage_users_of(actor, user.partner_id):
        raise PermissionDenied()
    if (user.partner_id is None) == (role in PARTNER_ROLES):
        raise RuleViolation(_l("Partner roles need a partner; brand roles must not have one."), field="role")
    if user.id == actor.id:
        raise RuleViolation(_l("You cannot change your own role."), field="role")
    with audit.tracking(user, AUDITED, actor=actor, partner_id=user.partner_id):
        user.role = role
    db.session.flush()


def resend_invitation(user: User, *, actor: User) -> None:
    """Mail a fresh set-password link to someone who has not used theirs. The caller commits."""
    if not can_manage_users_of(actor, user.partner_id):
        raise PermissionDenied()
    if user.password_hash:
        raise RuleViolation(_l("This user has already set a password."))
    send_invitation(user, invited_by=actor)
