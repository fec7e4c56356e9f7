"""The partners blueprint: its pages live in one module per subject, imported here so that their routes are on
the blueprint before create_app() registers it."""

from __future__ import annotations

from flask import Blueprint

bp: Blueprint = Blueprint("partners", __name__, url_prefix="/partners", template_folder="../templates")

from partners.views import directory, onboarding_pages, product_lines  # noqa: E402,F401,I001  (their routes)
from partners.views.home import HOME_PANELS, STEP_PAGES  # noqa: E402,F401
from partners.views.steps import StepPage, register_step_pages  # noqa: E402,F401
