"""The scorecard service (performance/scorecards.py): one build serves the page and the PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_login import login_user

from performance.kpis import DISPLAY_KPIS
from performance.scorecards import build_scorecard
from portal import tenancy
from portal.calendar import MonthRange
from portal.security import Role
from tests.builders import make_partner, make_sales_line, make_user


def test_the_page_and_the_pdf_are_built_from_the_same_figures_in_the_display_order(app, db, every_partner):
    partner = make_partner()
    make_sales_line(partner, order_no="SO-1", quantity="2", unit_price="10.5")
    make_sales_line(partner, order_no="SO-2", quantity="1", unit_price="0.25")
    month = MonthRange.month(date(2026, 10, 1))
    with app.test_request_context(), tenancy.every_partner(reason="a brand user's view of the partner"):
        login_user(make_user(role=Role.CHANNEL_MANAGER, regions=("CN",)))  # the tiles link where the reader may go
        page, pdf = build_scorecard(partner, month), build_scorecard(partner, month, for_pdf=True)
    assert [tile["name"] for tile in page.tiles] == list(DISPLAY_KPIS)
    net = next(tile for tile in page.tiles if tile["name"] == "net_sales")
    assert net["value"] == Decimal("21.25") and net["link"].startswith("/orders/lines?")
    assert [tile["value"] for tile in pdf.tiles] == [tile["value"] for tile in page.tiles]
    assert "<style" in pdf.sales_chart and "<style" not in page.sales_chart  # the PDF's charts carry their CSS
    assert page.context()["period"] == date(2026, 10, 1) and page.is_range is False
