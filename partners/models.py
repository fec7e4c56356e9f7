"""Partner (the unit of tenancy), Region (country > subdivision > city) and manager coverage."""
from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import LabelledEnum, TenantRoot, TimestampMixin, enum_column, enum_labels
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


class PartnerType(LabelledEnum):
    WHOLESALER = "wholesaler"
    DISTRIBUTOR = "distributor"
    RESELLER = "reseller"
    AGENT = "agent"


class PartnerTier(LabelledEnum):
    REGISTERED = "registered"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class PartnerStatus(LabelledEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class RegionLevel(StrEnum):
    COUNTRY = "country"
    SUBDIVISION = "subdivision"
    CITY = "city"


PARTNER_TYPE_LABELS = enum_labels({
    PartnerType.WHOLESALER: _l("Wholesaler"),
    PartnerType.DISTRIBUTOR: _l("Distributor"),
    PartnerType.RESELLER: _l("Reseller"),
    PartnerType.AGENT: _l("Agent"),
})
PARTNER_TIER_LABELS = enum_labels({
    PartnerTier.REGISTERED: _l("Registered"),
    PartnerTier.SILVER: _l("Silver"),
    PartnerTier.GOLD: _l("Gold"),
    PartnerTier.PLATINUM: _l("Platinum"),
})
PARTNER_STATUS_LABELS = enum_labels({
    PartnerStatus.ACTIVE: _l("Active"),
    PartnerStatus.SUSPENDED: _l("Suspended"),
    PartnerStatus.TERMINATED: _l("Terminated"),
})


class Region(db.Model):
    """One node of the region tree. `path` ("/CN/CN-GD/CN-GD-440300/") makes "in this region" a prefix match."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(120), index=True)

    parent: Mapped["Region | None"] = relationship(remote_side=[id])

    @property
    def name(self) -> str:
        """The name in the current language."""
        locale = get_locale()
        return self.name_zh if locale is not None and locale.language == "zh" else self.name_en

    @property
    def full_name(self) -> str:
        """Country › subdivision › city, in the current language."""
        parts, node = [], self
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return " › ".join(reversed(parts))

    def contains(self, other: "Region") -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


manager_regions = Table(
    "manager_regions",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class Partner(TenantRoot, TimestampMixin, db.Model):
    __tablename__ = "partners"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    partner_type: Mapped[PartnerType] = mapped_column(enum_column(PartnerType))
    tier: Mapped[PartnerTier] = mapped_column(enum_column(PartnerTier), default=PartnerTier.REGISTERED)
    status: Mapped[PartnerStatus] = mapped_column(enum_column(PartnerStatus), default=PartnerStatus.ACTIVE)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    city_text: Mapped[str | None] = mapped_column(String(120))  # a city outside the tree, e.g. Seattle
    version_id: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()
    users: Mapped[list["User"]] = relationship(back_populates="partner", order_by="User.name")

    __mapper_args__ = {"version_id_col": version_id}

    AUDITED = ("code", "legal_name", "partner_type", "tier", "status", "region_id", "city_text")

    @property
    def is_active(self) -> bool:
        return self.status is PartnerStatus.ACTIVE

    @property
    def location(self) -> str:
        return f"{self.region.full_name} › {self.city_text}" if self.city_text else self.region.full_name

    def __repr__(self) -> str:
        return f"<Partner {self.code}>"
