"""Sessions kept on the server: the signed cookie names a session row, so logging out ends that session for
good, even for a copy of the cookie, on every app instance (they share the database)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

SESSION_KEY = "qudao_session"


class UserSession(Base):
    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # of the key in the cookie, never the key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _oldest_open() -> datetime:
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return utcnow() - lifetime


def log_in(user: User) -> None:
    """Start a session for `user` in this browser (and clear their sessions that have run out). The caller
    commits."""
    log_out_here()
    login_user(user)
    key = secrets.token_urlsafe(32)
    ran_out = delete(UserSession).where(UserSession.user_id == user.id, UserSession.created_at < _oldest_open())
    db.session.execute(ran_out)
    db.session.add(UserSession(user_id=user.id, key_hash=_hash(key)))
    session[SESSION_KEY] = key


def is_open(user_id: int) -> bool:
    """Whether this request's cookie names a session of `user_id` that has not ended or run out."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        return False
    found = db.session.scalar(
        select(UserSession.id).where(
            UserSession.key_hash == _hash(key), UserSession.user_id == user_id, UserSession.created_at >= _oldest_open()
        )
    )
    return found is not None


def log_out_here() -> None:
    """End this browser's session: a copy of its cookie opens nothing afterwards. The login page that follows
    keeps the person's language. The caller commits."""
    key = session.pop(SESSION_KEY, None)
    if isinstance(key, str):
        db.session.execute(delete(UserSession).where(UserSession.key_hash == _hash(key)))
    locale = getattr(current_user, "locale", None)
    logout_user()
    if locale:
        session["locale"] = locale


def end_all(user: User) -> None:
    """End every session of `user`, on every device. The caller commits."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
