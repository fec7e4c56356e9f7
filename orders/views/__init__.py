"""The orders blueprint: its pages live in one module per subject, imported here so that their routes are on
the blueprint before create_app() registers it."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from orders import periods
from partners.models import OnboardingStep
from partners.views import StepPage
from portal.home import HomePanel
from portal.security import PARTNER_ROLES

bp: Blueprint = Blueprint("orders", __name__, url_prefix="/orders", template_folder="../templates")
PER_PAGE = 50

from orders.views import (  # noqa: E402,F401  (each module adds its routes to bp)
    catalog,
    customers,
    deals,
    filters,
    lines,
    reporting,
    reporting_periods,
    submissions,
    tokens,
)
from orders.views.customers import register_customer_links  # noqa: E402,F401


def _periods_panel() -> dict:
    return {"states": periods.periods_for_home(current_user.partner)}


HOME_PANELS = [HomePanel("orders/_home_periods.html", PARTNER_ROLES, _periods_panel)]
STEP_PAGES = [StepPage(OnboardingStep.SALES_REPORT, "orders.report_form", PARTNER_ROLES)]
