"""What the home page shows of service: a partner's open cases; the brand's queue and its breaches."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from portal.home import HomePanel
from portal.security import BRAND_ROLES, PARTNER_ROLES
from service import cases, complaints


def _summary() -> dict[str, Any]:
    return {"summary": cases.home_summary(actor=current_user), "complaints_open": complaints.awaiting_action()}


HOME_PANELS = [
    HomePanel("service/_home_partner.html", PARTNER_ROLES, _summary),
    HomePanel("service/_home_brand.html", BRAND_ROLES, _summary),
]
