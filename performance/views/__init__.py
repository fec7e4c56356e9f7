"""The performance blueprint: its pages live in one module per subject, imported here so that their routes are
on the blueprint before create_app() registers it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("performance", __name__, url_prefix="/performance", template_folder="../templates")

from performance.views import analysis, coverage, evaluation, rules, scorecards, segments, targets  # noqa: E402,F401,I001  (routes)
from performance.views.home import HOME_PANELS  # noqa: E402,F401
