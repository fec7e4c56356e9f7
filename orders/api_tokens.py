"""API tokens: a partner_admin creates one for the partner's ERP, an admin one for the brand's systems (a brand
token, of no partner, loads any partner's lines); each is seen once, and may be revoked."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from orders.models import ApiToken
from portal import audit, tenancy
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation

TOKEN_PREFIX = "qd_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_create_token(actor: User) -> bool:
    """A partner_admin for the partner, an admin for the brand."""
    return actor.role is Role.ADMIN or (actor.role is Role.PARTNER_ADMIN and actor.partner_id is not None)


def may_revoke_token(actor: User, token: ApiToken) -> bool:
    """A partner's token by its partner_admins, a brand token by any admin."""
    if token.partner_id is None:
        return actor.role is Role.ADMIN
    return actor.role is Role.PARTNER_ADMIN and actor.partner_id == token.partner_id


def create_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor's partner, or for the brand when the actor is an admin (who belongs to no
    partner): the row, and the token itself, which is never stored. Raises PermissionDenied, RuleViolation;
    audited; the caller commits."""
    if not may_create_token(actor):
        raise PermissionDenied()
    if not name.strip():
        raise RuleViolation(_l("Name the token after the system that uses it."), field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        partner_id=actor.partner_id,
        name=name.strip()[:120],
        prefix=plain[:10],
        token_hash=_hash(plain),
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor=actor,
        row=token,
        action="create",
        after={"name": token.name, "prefix": token.prefix},
        partner_id=token.partner_id,
    )
    return token, plain


def tokens(*, actor: User) -> list[ApiToken]:
    """The tokens the actor manages, newest first: the partner's (the scope keeps them to it), or for an admin,
    whose scope shows every partner's, the brand's."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if actor.role is Role.ADMIN:
        query = query.where(ApiToken.partner_id.is_(None))
    return list(db.session.scalars(query))


def revoke_token(token: ApiToken, *, actor: User) -> None:
    """Raises PermissionDenied; audited; the caller commits."""
    if not may_revoke_token(actor, token):
        raise PermissionDenied()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            actor=actor, row=token, action="revoke", after={"prefix": token.prefix}, partner_id=token.partner_id
        )
    db.session.flush()


def user_for_token(plain: str, *, delivering: bool) -> User | None:
    """The user the API acts as: the token's creator, while the token is not revoked and the creator may log in
    and belongs to the token's partner, which is active (User.may_log_in covers both); for a brand token, while
    the creator is still an admin. None otherwise. A delivery (a POST) notes when the token last delivered; a
    read writes nothing."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    with tenancy.every_partner(reason="authenticating an API token"):
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
        if token is None or token.revoked_at is not None:
            return None
        user = token.created_by
        if not user.may_log_in or user.partner_id != token.partner_id:
            return None
        if token.partner_id is None and user.role is not Role.ADMIN:
            return None
        if delivering:
            token.last_used_at = utcnow()
    return user
