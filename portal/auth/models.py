"""The User: one person who logs in, with one role and at most one partner."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from portal import tenancy
from portal.database import Base, OptionalPartnerOwned, TimestampMixin, enum_column
from portal.security import Role

if TYPE_CHECKING:
    from partners.models import Partner, Region


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(OptionalPartnerOwned, TimestampMixin, UserMixin, Base):  # type: ignore[misc]  # Flask-Login ships no types
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until an invitation is accepted
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    # Rotated when the password changes or the user is deactivated: old sessions and links stop working.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    last_login_at: Mapped[datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    partner: Mapped[Partner | None] = relationship(back_populates="users")
    regions: Mapped[list[Region]] = relationship(secondary="manager_regions", order_by="Region.code")

    __mapper_args__ = {"version_id_col": version_id}

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def may_log_in(self) -> bool:
        """Active, has set a password, and (for partner users) the partner is active. The partner is read
        whoever asks: before login nobody's scope is decided, and a partner hidden by the anonymous scope would
        read as no partner, so as no suspension."""
        if not self.is_active or not self.password_hash:
            return False
        if self.partner_id is None:
            return True
        with tenancy.every_partner(object_session(self), reason="checking the standing of the account's partner"):
            return self.partner is not None and self.partner.is_active

    @property
    def is_brand_staff(self) -> bool:
        return self.role.is_brand_staff

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
