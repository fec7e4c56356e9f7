"""A survey's results against figures worked out by hand: response rate, NPS, CSAT, the monthly trend and the
breakdowns, within the reader's scope."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.security import Role
from service import survey_results
from tests.builders import answer_survey, make_invitation, make_partner, make_survey, make_user

# Ten answers to "how likely to recommend": 10, 9, 9, 10 are promoters (4); 8, 7 passives (2); 6, 5, 3, 0
# detractors (4). NPS = (4 − 4) / 10 × 100 = 0.0. With the satisfaction scores 5, 4, 4, 3, 5, 2, 4, 5, 3, 4
# (sum 39): CSAT = 3.90.
NPS_SCORES = [10, 9, 9, 8, 7, 6, 5, 3, 10, 0]
CSAT_SCORES = [5, 4, 4, 3, 5, 2, 4, 5, 3, 4]
# The first six answered in October 2026, the last four in November (Shanghai time).
OCTOBER, NOVEMBER = datetime(2026, 10, 15, 2, tzinfo=UTC), datetime(2026, 11, 3, 2, tzinfo=UTC)


@pytest.fixture()
def answered(db, every_partner):
    """Twelve users invited, ten answered: six of a Guangdong distributor, four of a Guangxi reseller; two more
    of the reseller never answered."""
    distributor = make_partner(region="CN-GD", partner_type="distributor")
    reseller = make_partner(region="CN-GX", partner_type="reseller")
    survey = make_survey(kinds=("nps", "csat", "single"))
    nps, csat, single = survey.questions
    people = [make_user(distributor) for _ in range(6)] + [make_user(reseller) for _ in range(6)]
    for index, person in enumerate(people):
        invitation = make_invitation(survey, person, now=OCTOBER)
        if index < 10:
            answer_survey(
                invitation,
                {f"q{nps.id}": str(NPS_SCORES[index]), f"q{csat.id}": str(CSAT_SCORES[index]), f"q{single.id}": "1"},
                now=OCTOBER if index < 6 else NOVEMBER,
            )
    return survey, distributor, reseller


def test_the_headline_figures_are_the_ones_worked_out_by_hand(answered):
    survey, _distributor, _reseller = answered
    results = survey_results.survey_results(survey)
    assert (results.invited, results.figures.responses, results.rate) == (12, 10, Decimal("83.3"))
    figures = results.figures
    assert (figures.promoters, figures.passives, figures.detractors) == (4, 2, 4)
    assert figures.nps == Decimal("0.0")
    assert figures.csat == Decimal("3.90")
    assert results.csat_counts == [("1", 0), ("2", 1), ("3", 2), ("4", 4), ("5", 3)]
    single = results.questions[2]
    assert single.answered == 10 and single.counts == [("0", 0), ("1", 10), ("2", 0)]
    # The results add up tallies kept with every invitation and answer: they equal a count of the rows.
    assert survey_results.stored_tallies() == survey_results.fresh_tallies()
    assert survey_results.stored_answer_tallies() == survey_results.fresh_answer_tallies()


def test_the_trend_counts_each_month_by_itself(answered):
    survey, _distributor, _reseller = answered
    october, november = survey_results.survey_results(survey).trend
    # October: 10, 9, 9, 8, 7, 6 → 3 promoters, 1 detractor of 6 = 33.3; satisfaction 5+4+4+3+5+2 = 23 / 6 = 3.83.
    assert october.month.isoformat() == "2026-10-01"
    assert (october.figures.responses, october.figures.nps, october.figures.csat) == (
        6,
        Decimal("33.3"),
        Decimal("3.83"),
    )
    # November: 5, 3, 10, 0 → 1 promoter, 3 detractors of 4 = −50.0; 4+5+3+4 = 16 / 4 = 4.00.
    assert (november.figures.responses, november.figures.nps, november.figures.csat) == (
        4,
        Decimal("-50.0"),
        Decimal("4.00"),
    )


def test_the_breakdown_by_partner_type_and_the_managers_scope(answered, as_user):
    survey, distributor, reseller = answered
    rows = {row.key: row for row in survey_results.breakdown(survey, "partner_type").rows}
    assert (rows["distributor"].invited, rows["distributor"].figures.nps) == (6, Decimal("33.3"))
    # The reseller: 5, 3, 10, 0 of six invited.
    assert (rows["reseller"].invited, rows["reseller"].figures.responses, rows["reseller"].rate) == (
        6,
        4,
        Decimal("66.7"),
    )
    by_region = survey_results.breakdown(survey, "region").rows
    assert sorted(row.figures.responses for row in by_region) == [4, 6]
    assert {row.key for row in survey_results.breakdown(survey, "partner").rows} == {
        str(distributor.id),
        str(reseller.id),
    }
    first = survey_results.breakdown(survey, "partner", limit=1)  # a page shows the most answered only
    assert ([row.key for row in first.rows], first.groups) == ([str(distributor.id)], 2)

    as_user(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GX",)))
    results = survey_results.survey_results(survey)
    assert (results.invited, results.figures.responses, results.figures.nps) == (6, 4, Decimal("-50.0"))


def test_a_survey_without_answers_has_no_scores_rather_than_zero(db, every_partner):
    results = survey_results.survey_results(make_survey())
    assert (results.rate, results.figures.nps, results.figures.csat, results.trend) == (None, None, None, [])
