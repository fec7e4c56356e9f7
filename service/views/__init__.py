"""The service blueprint: cases, service levels, complaints, their analysis and surveys, one module per subject."""

from __future__ import annotations

from flask import Blueprint

bp: Blueprint = Blueprint("service", __name__, url_prefix="/service", template_folder="../templates")

from service.views import analysis, cases, complaints, levels, surveys  # noqa: E402,F401,I001  (their routes)
from service.views.complaints import CUSTOMER_LINKS  # noqa: E402,F401
from service.views.home import HOME_PANELS  # noqa: E402,F401
