"""What the performance domain shows on the home page: a partner's latest scorecard, brand staff's partners at
risk."""

from __future__ import annotations

from flask_login import current_user

from performance import scoring, segments
from performance.views.arguments import last_complete_month
from portal.home import HomePanel
from portal.security import BRAND_ROLES, PARTNER_ROLES


def _scorecard_panel() -> dict:
    partner = current_user.partner
    period = last_complete_month()
    card = scoring.scorecard_history(partner, period, 1).get(period)
    return {"scorecard_period": period, "scorecard": card}


def _channel_panel() -> dict:
    """For brand staff: the partners at risk in their scope, as of the last complete month."""
    period = last_complete_month()
    return {"period": period, "at_risk": segments.partners_at_risk(period)}


HOME_PANELS = [
    HomePanel("performance/_home_scorecard.html", PARTNER_ROLES, _scorecard_panel),
    HomePanel("performance/_home_channel.html", BRAND_ROLES, _channel_panel),
]
