"""Scorecard pages and PDF, the evaluation table, targets, rules and tier decisions through HTTP."""

from __future__ import annotations

import io
import re
from datetime import UTC, date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from partners.models import PartnerTier
from performance import scoring
from performance.kpis import SERVICE_KPIS
from performance.models import SalesTarget, ScoringRules
from portal.extensions import db
from portal.security import Role
from tests.builders import joined, make_partner, make_sales_line, make_user

OCTOBER = date(2026, 10, 1)


@pytest.fixture()
def scored(db, every_partner):
    partner = joined(make_partner(region="CN-GD", name="华南渠道测试有限公司"))
    make_sales_line(partner, order_date=date(2026, 10, 9), quantity="2", unit_price="1234.5678", customer_code="C-9")
    db.session.add(SalesTarget(partner_id=partner.id, period=OCTOBER, amount=Decimal(5000)))
    scoring.compute_scorecards(OCTOBER)
    db.session.commit()
    return partner


def test_a_partner_user_sees_its_scorecard_with_figures_that_link_to_their_lines(client, login, scored):
    login(make_user(scored, role=Role.PARTNER_USER))
    page = client.get("/performance/scorecard?period=2026-10", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2,469.14" in html  # 2 × 1234.5678 = 2469.1356, to cents
    assert "49.4 %" in html  # attainment 2469.1356 / 5000
    assert f"partner={scored.id}" in html and "first=2026-10" in html  # drill-down to the lines
    assert "<svg" in html and "pygal" in html
    lines = client.get(f"/orders/lines?partner={scored.id}&first=2026-10&last=2026-10").get_data(as_text=True)
    assert "2,469.14" in lines and "C-9" in lines


def test_the_pdf_scorecard_carries_the_same_numbers_and_chinese_text(client, login, scored):
    login(make_user(scored, role=Role.PARTNER_ADMIN))
    response = client.get(f"/performance/partners/{scored.id}/scorecard.pdf?period=2026-10")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "华南渠道测试有限公司" in text
    assert "2,469.14" in text and "49.4 %" in text


def test_a_range_without_data_says_no_data(client, login, db, every_partner):
    partner = joined(make_partner())
    login(make_user(partner, role=Role.PARTNER_USER))
    html = client.get(f"/performance/partners/{partner.id}/scorecard?period=2026-03").get_data(as_text=True)
    tiles = dict(re.findall(r'<small>([^<]+)</small>\s*<div class="kpi-value">(?:<a [^>]+>)?([^<]+)<', html))
    assert tiles["Net sales"] == tiles["Target attainment"] == tiles["Returns ratio"] == "no data"
    assert tiles["On-time reporting"] == "0.0 %"  # March was due and never declared: a real 0, not missing data


def test_the_evaluation_filters_as_a_fragment_and_exports(client, login, scored, every_partner):
    other = joined(make_partner(region="DE-BY"))
    login(make_user(role=Role.ADMIN))
    fragment = client.get("/performance/evaluation?period=2026-10&region=CN-GD", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and scored.code in html and other.code not in html
    export = client.get("/performance/evaluation?period=2026-10&format=csv").get_data(as_text=True)
    assert scored.code in export and "2469.14" in export


def test_a_manager_sees_only_the_partners_of_their_regions(client, login, scored, every_partner):
    other = joined(make_partner(region="DE-BY"))
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("DE",)))
    html = client.get("/performance/evaluation?period=2026-10").get_data(as_text=True)
    assert other.code in html and scored.code not in html
    assert client.get(f"/performance/partners/{scored.id}/scorecard").status_code == 404


def test_rules_that_do_not_add_up_come_back_with_the_input_kept(client, login, db):
    login(make_user(role=Role.ADMIN))
    form = (
        {name: "10" for name in scoring.DEFAULT_WEIGHTS}
        | {name: "0" for name in SERVICE_KPIS}
        | {
            "based_on": "1",
            "silver_min": "50",
            "gold_min": "65",
            "platinum_min": "80",
            "recommendation_months": "3",
            "note": "tuning",
            "net_sales": "35",
        }
    )
    client.get("/performance/rules")
    response = client.post("/performance/rules", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "add up to 125" in html and 'value="35"' in html and 'value="tuning"' in html
    assert db.session.scalar(select(ScoringRules.version).order_by(ScoringRules.version.desc())) == 1
    form["net_sales"] = "10"
    form["growth_prev"] = "5"
    form["new_customers"] = "5"
    form["returns_ratio"] = "5"
    form["target_attainment"] = "25"
    assert client.post("/performance/rules", data=form).status_code == 303
    assert scoring.current_rules().version == 2


def test_accepting_a_recommendation_and_the_second_manager_sees_the_conflict(client, login, scored):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))
    login(manager)
    stale_version = scored.version_id
    accepted = client.post(
        f"/performance/partners/{scored.id}/tier?period=2026-10",
        data={"tier": "silver", "version": stale_version, "reason": "strong October"},
    )
    assert accepted.status_code == 303
    db.session.refresh(scored)
    assert scored.tier is PartnerTier.SILVER
    late = client.post(
        f"/performance/partners/{scored.id}/tier?period=2026-10",
        data={"tier": "gold", "version": stale_version, "reason": "also strong"},
    )
    assert late.status_code == 422 and "Someone changed this partner" in late.get_data(as_text=True)
    db.session.refresh(scored)
    assert scored.tier is PartnerTier.SILVER


def test_partners_cannot_reach_the_brand_pages(client, login, scored):
    login(make_user(scored, role=Role.PARTNER_ADMIN))
    for url in (
        "/performance/evaluation",
        "/performance/targets/import",
        "/performance/rules",
        "/performance/compare",
        "/performance/coverage",
        f"/performance/partners/{scored.id}/coverage",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert (
        client.post(
            "/performance/targets", data={"partner_code": scored.code, "period": "2026-12", "amount": "1"}
        ).status_code
        == 403
    )


def test_a_partner_reads_its_own_targets_behind_its_scorecard(client, login, scored, every_partner):
    other = joined(make_partner())
    db.session.add(SalesTarget(partner_id=other.id, period=OCTOBER, amount=Decimal("777777")))
    db.session.commit()
    login(make_user(scored, role=Role.PARTNER_USER))
    html = client.get(f"/performance/targets?partner={scored.code}&first=2026-10&last=2026-10").get_data(as_text=True)
    assert "5,000.00" in html and "777,777.00" not in html and "Save the target" not in html


def test_a_target_for_an_unknown_partner_keeps_the_input(client, login, db):
    login(make_user(role=Role.ADMIN))
    client.get("/performance/targets")
    response = client.post(
        "/performance/targets", data={"partner_code": "P-XX-0404", "period": "2026-12", "amount": "1000"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Unknown partner code" in html and 'value="P-XX-0404"' in html


def _assignment_form(partner, **changes):
    return {
        "country": "CN",
        "subdivision": "CN-GD",
        "city": "",
        "city_text": "",
        "product_line_id": "",
        "effective_from": "2026-01-01",
        "reason": "plan 2026",
        "version": str(partner.version_id),
        **changes,
    }


def test_a_manager_assigns_coverage_and_the_matrix_shows_it_and_the_white_space(client, login, db, every_partner):
    partner = joined(make_partner(region="CN-440300"))
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD", "CN-GX")))
    client.get(f"/performance/partners/{partner.id}/coverage")
    response = client.post(
        f"/performance/partners/{partner.id}/coverage", data=_assignment_form(partner, is_exclusive="y")
    )
    assert response.status_code == 303
    html = client.get("/performance/coverage?region=CN&as_of=2026-06-30").get_data(as_text=True)
    guangdong_row = re.search(r'<tr>\s*<th scope="row"><a [^>]*region=CN-GD[^>]*>.*?</tr>', html, re.S).group(0)
    assert partner.code in guangdong_row
    assert re.search(r'<tr class="white-space">\s*<th scope="row"><a [^>]*region=CN-GX', html)
    # White space is judged within the manager's own regions: Guangxi, not all 34 provinces.
    assert re.findall(r'<th scope="row"><a [^>]*region=(CN-\w+)', html) == ["CN-GD", "CN-GX"]
    assert "1 partner<" in guangdong_row  # the count says what it counts, apart from the sales below it
    countries = client.get("/performance/coverage?as_of=2026-06-30").get_data(as_text=True)
    assert re.findall(r'<th scope="row"><a [^>]*region=(\w+)&', countries) == ["CN"]


def test_an_admin_sees_every_province_by_pinyin_in_chinese(client, login, db, every_partner):
    """Regions were in character-code order."""
    login(make_user(role=Role.ADMIN, locale="zh_Hans_CN"))
    html = client.get("/performance/coverage?region=CN").get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a [^>]*region=(CN-\w+)', html)
    assert len(rows) == 34 and rows[:3] == ["CN-AH", "CN-MO", "CN-BJ"] and rows[-1] == "CN-ZJ"


def test_coverage_outside_the_managers_regions_or_from_a_stale_page_is_refused(client, login, db, every_partner):
    partner = joined(make_partner(region="CN-440300"))
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    client.get(f"/performance/partners/{partner.id}/coverage")
    outside = client.post(
        f"/performance/partners/{partner.id}/coverage", data=_assignment_form(partner, subdivision="CN-GX")
    )
    assert outside.status_code == 422 and "outside your regions" in outside.get_data(as_text=True)
    stale = _assignment_form(partner)
    assert client.post(f"/performance/partners/{partner.id}/coverage", data=stale).status_code == 303
    again = client.post(
        f"/performance/partners/{partner.id}/coverage", data={**stale, "subdivision": "CN-GD", "city": "CN-440300"}
    )
    assert again.status_code == 422 and "while you were looking" in again.get_data(as_text=True)
    assert 'value="plan 2026"' in again.get_data(as_text=True)


def test_ending_an_assignment_keeps_it_in_the_history(client, login, db, every_partner):
    partner = joined(make_partner(region="CN-440300"))
    login(make_user(role=Role.ADMIN))
    client.get(f"/performance/partners/{partner.id}/coverage")
    client.post(f"/performance/partners/{partner.id}/coverage", data=_assignment_form(partner))
    db.session.refresh(partner)
    from partners.coverage import assignment_history

    assignment = assignment_history(partner)[0]
    ended = client.post(
        f"/performance/coverage/{assignment.id}/end",
        data={"effective_to": "2026-07-01", "reason": "hand-over", "version": partner.version_id},
    )
    assert ended.status_code == 303
    db.session.refresh(assignment)
    assert assignment.effective_to == date(2026, 7, 1) and assignment.end_reason == "hand-over"
    html = client.get("/performance/coverage?region=CN&as_of=2026-03-01").get_data(as_text=True)
    assert partner.code in html


def test_chosen_partners_compare_side_by_side(client, login, scored, every_partner):
    other = joined(make_partner(region="CN-GD"))
    make_sales_line(other, order_date=date(2026, 10, 3), quantity="1", unit_price="10")
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN",)))
    html = client.get(f"/performance/compare?period=2026-10&partner={scored.id}&partner={other.id}").get_data(
        as_text=True
    )
    assert scored.code in html and other.code in html and "2,469.14" in html and "10.00" in html
    assert html.count("<svg") == 1


def test_segments_for_the_brand_and_for_a_partner(client, login, scored, every_partner):
    login(make_user(role=Role.ADMIN))
    html = client.get("/performance/segments?period=2026-10").get_data(as_text=True)
    assert "High value" in html and scored.code in html
    assert client.get("/performance/at-risk?period=2026-10").status_code == 200
    login(make_user(scored, role=Role.PARTNER_ADMIN))
    mine = client.get("/performance/segments?period=2026-10").get_data(as_text=True)
    assert "End customers" in mine and "Months with sales" not in mine  # no partner table for a partner
    assert client.get("/performance/at-risk").status_code in (403, 404)


def test_drill_downs_of_win_rate_and_on_time_reporting_show_the_partners_records(client, login, scored, every_partner):
    from datetime import datetime

    from orders.models import DealRegistration, DealStatus

    other = joined(make_partner(region="CN-GD"))
    for partner, name, decided in (
        (scored, "Won in October", datetime(2026, 10, 9, tzinfo=UTC)),
        (scored, "Won in August", datetime(2026, 8, 9, tzinfo=UTC)),
        (other, "Someone else's", datetime(2026, 10, 9, tzinfo=UTC)),
    ):
        db.session.add(
            DealRegistration(
                partner_id=partner.id,
                customer_name=name,
                products="P",
                status=DealStatus.WON,
                estimated_value=Decimal(1),
                expected_close=date(2026, 12, 1),
                decided_at=decided,
            )
        )
    db.session.commit()
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    html = client.get(f"/performance/partners/{scored.id}/scorecard?period=2026-10").get_data(as_text=True)
    link = re.search(r'href="(/orders/deals\?[^"]+)"', html).group(1).replace("&amp;", "&")
    deals = client.get(link).get_data(as_text=True)
    assert "Won in October" in deals and "Won in August" not in deals and "Someone else" not in deals
    periods = client.get(f"/orders/periods?partner={scored.id}").get_data(as_text=True)
    assert scored.code in periods and "Declare complete" not in periods and "No sales this month" not in periods
    assert client.get(f"/orders/periods?partner={joined(make_partner(region='DE-BY')).id}").status_code == 404


def test_kpis_over_a_range_of_months_and_its_pdf(client, login, scored, every_partner):
    make_sales_line(scored, order_date=date(2026, 9, 3), quantity="1", unit_price="30.8644")
    login(make_user(scored, role=Role.PARTNER_USER))
    html = client.get(f"/performance/partners/{scored.id}/scorecard?first=2026-09&last=2026-10").get_data(as_text=True)
    assert "2026-09 – 2026-10" in html
    assert "2,500.00" in html  # 2469.1356 + 30.8644
    pdf = client.get(f"/performance/partners/{scored.id}/scorecard.pdf?first=2026-09&last=2026-10")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "2,500.00" in text and "2026-09 – 2026-10" in text


def test_the_brand_home_names_the_partners_at_risk(client, login, db, every_partner):
    partner = joined(make_partner(region="CN-GD"))  # joined long ago, never declared a month: reports missing
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    html = client.get("/").get_data(as_text=True)
    assert "at risk" in html and partner.code in html and "No report for" in html


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CHANNEL_MANAGER])
@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_evaluation_opens_on_the_newest_scored_month_without_an_error(client, login, scored, role, language):
    """The first load once said "Not a valid choice" under Month, for every brand role in both languages."""
    login(make_user(role=role, regions=("CN",) if role is Role.CHANNEL_MANAGER else (), locale=None))
    response = client.get("/performance/evaluation", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "field-error" not in html and 'aria-invalid="true"' not in html
    assert '<option selected value="2026-10">' in html and scored.code in html


def test_a_month_without_scorecards_says_so_and_offers_to_score_it(client, login, scored):
    """?period=2013-06 once showed another month without a word."""
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN",)))
    html = client.get("/performance/evaluation?period=2025-06").get_data(as_text=True)
    assert "2025-06 has no scorecards yet" in html and '<option selected value="2025-06">' in html
    assert 'name="period" value="2025-06"' in html and "out of date" not in html
    response = client.post("/performance/scorecards/compute", data={"period": "2025-06"})
    assert response.status_code == 303 and response.headers["Location"].endswith("period=2025-06")
    html = client.get("/performance/evaluation?period=2025-06").get_data(as_text=True)
    assert "no scorecards yet" not in html and scored.code in html
    early = client.post("/performance/scorecards/compute", data={"period": "2013-06"}, follow_redirects=True)
    assert "nothing to score" in early.get_data(as_text=True)  # the partner joined in 2024


def test_only_an_admin_scores_many_months_at_once_and_one_month_needs_its_month(client, login, scored):
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN",)))
    assert client.post("/performance/scoring-runs", data={"first": "2026-01", "last": "2026-10"}).status_code == 403
    login(make_user(role=Role.ADMIN))
    assert client.post("/performance/scorecards/compute", data={}).status_code == 400


def test_scores_computed_before_new_lines_are_marked_out_of_date_until_scored_again(
    client, login, scored, every_partner
):
    """The list once read 19,665.72 / 43.7 % (a stored score) while the scorecard said 49,549.22 / 110.1 %
    (live), and nothing said why."""
    login(make_user(role=Role.ADMIN))
    html = client.get("/performance/evaluation?period=2026-10").get_data(as_text=True)
    assert "out of date" not in html and 'title="Computed"' in html
    make_sales_line(scored, order_date=date(2026, 10, 20), quantity="1", unit_price="100")
    db.session.commit()
    html = client.get("/performance/evaluation?period=2026-10").get_data(as_text=True)
    assert "1 score on this page is out of date" in html and "out of date</small>" in html
    card = client.get(f"/performance/partners/{scored.id}/scorecard?period=2026-10").get_data(as_text=True)
    assert 'id="score-out-of-date"' in card
    export = client.get("/performance/evaluation?period=2026-10&format=csv").get_data(as_text=True)
    assert "Lines changed since" in export.splitlines()[0] and ",yes," in export
    next_page = f"/performance/partners/{scored.id}/scorecard?period=2026-10"
    response = client.post("/performance/scorecards/compute", data={"period": "2026-10", "next": next_page})
    assert response.headers["Location"] == next_page
    assert 'id="score-out-of-date"' not in client.get(next_page).get_data(as_text=True)
    assert "out of date" not in client.get("/performance/evaluation?period=2026-10").get_data(as_text=True)


def test_a_month_that_has_not_begun_is_said_not_silently_replaced(client, login, scored):
    login(make_user(scored, role=Role.PARTNER_USER))
    page = client.get(f"/performance/partners/{scored.id}/scorecard?period=2099-01").get_data(as_text=True)
    assert "2099-01 has not begun" in page
    earlier = client.get(f"/performance/partners/{scored.id}/scorecard?period=2026-09").get_data(as_text=True)
    assert "period=2026-10" in earlier and "Next month" in earlier and "has not begun" not in earlier
