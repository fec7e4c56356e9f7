"""Scorecards, channel evaluation, targets and scoring rules."""
from __future__ import annotations

from flask import Blueprint

from performance import models  # noqa: F401  (the tables exist for every request)

bp = Blueprint("performance", __name__, url_prefix="/performance", template_folder="templates")
