"""Scores from normalised, weighted KPIs; versioned rules; ranks; tier recommendations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partners.models import PartnerTier, PartnerType
from performance import scoring
from performance.models import SalesTarget, Scorecard
from performance.scoring import RulesFields
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import joined, make_partner, make_sales_line, make_user

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
OCTOBER = date(2026, 10, 1)


def test_ratios_are_normalised_by_their_documented_scales():
    assert scoring.normalise_ratio("target_attainment", Decimal("1.30")) == 1
    assert scoring.normalise_ratio("target_attainment", Decimal("0.8")) == Decimal("0.8")
    assert scoring.normalise_ratio("growth_yoy", Decimal("-0.5")) == 0
    assert scoring.normalise_ratio("growth_yoy", Decimal("0")) == Decimal("0.5")
    assert scoring.normalise_ratio("growth_prev", Decimal("0.25")) == Decimal("0.75")
    assert scoring.normalise_ratio("returns_ratio", Decimal("0.02")) == Decimal("0.8")
    assert scoring.normalise_ratio("returns_ratio", Decimal("0.5")) == 0
    assert scoring.normalise_ratio("deal_win_rate", None) is None


def test_percentile_counts_peers_below_and_half_the_ties():
    assert scoring.percentile(10, [10]) == 1  # no peer
    assert scoring.percentile(30, [10, 20, 30]) == 1
    assert scoring.percentile(10, [10, 20, 30]) == 0
    assert scoring.percentile(20, [10, 20, 20, 30]) == Decimal(1) / 3 + Decimal(1) / 6  # 1 below, 1 tie of 3


def test_a_kpi_without_data_passes_its_weight_on():
    weights = {"target_attainment": 50, "deal_win_rate": 30, "on_time_reporting": 20}
    values = {"target_attainment": Decimal("0.8"), "deal_win_rate": None, "on_time_reporting": Decimal("0.5")}
    # (50 × 0.8 + 20 × 0.5) / 70 × 100 = 71.428… → 71.43
    assert scoring.weighted_score(values, weights) == Decimal("71.43")
    assert scoring.weighted_score({"deal_win_rate": None}, weights) is None


@pytest.mark.parametrize(
    "weights, thresholds, field",
    [
        ({**scoring.DEFAULT_WEIGHTS, "net_sales": -10, "growth_prev": 25}, (50, 65, 80), "net_sales"),
        ({**scoring.DEFAULT_WEIGHTS, "net_sales": 20}, (50, 65, 80), "weights"),
        (scoring.DEFAULT_WEIGHTS, (65, 50, 80), "silver_min"),
        (scoring.DEFAULT_WEIGHTS, (50, 65, 101), "silver_min"),
    ],
)
def test_rules_that_do_not_add_up_or_are_out_of_order_are_refused(db, weights, thresholds, field):
    admin = make_user(role=Role.ADMIN)
    with pytest.raises(RuleViolation) as refused:
        scoring.save_rules(RulesFields(dict(weights), *thresholds, 3), actor=admin, based_on=1)
    assert refused.value.field == field
    assert scoring.current_rules().version == 1


def test_only_an_admin_changes_the_rules(db):
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN",))
    with pytest.raises(PermissionDenied):
        scoring.save_rules(RulesFields(dict(scoring.DEFAULT_WEIGHTS), 50, 65, 80, 3), actor=manager, based_on=1)


def test_a_second_admin_editing_an_old_version_sees_the_conflict(db):
    first, second = make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)
    fields = RulesFields(dict(scoring.DEFAULT_WEIGHTS), 50, 65, 80, 3)
    scoring.save_rules(fields, actor=first, based_on=1)
    with pytest.raises(RuleViolation, match="version 2"):
        scoring.save_rules(fields, actor=second, based_on=1)
    assert scoring.current_rules().version == 2


@pytest.fixture()
def three_distributors(db, every_partner):
    """October sales 100, 200 and 400 against targets of 200 each; everything else without data."""
    partners = [joined(make_partner(region="CN-GD", partner_type=PartnerType.DISTRIBUTOR)) for _ in range(3)]
    for partner, price in zip(partners, ("100", "200", "400"), strict=True):
        make_sales_line(partner, order_date=date(2026, 10, 9), quantity="1", unit_price=price)
        db.session.add(SalesTarget(partner_id=partner.id, period=OCTOBER, amount=Decimal(200)))
    db.session.flush()
    return partners


ATTAINMENT_AND_SIZE = RulesFields({"target_attainment": 60, "net_sales": 40}, 40, 60, 80, 1)


def test_scorecards_weigh_normalised_kpis_and_rank_partners(three_distributors, every_partner):
    admin = make_user(role=Role.ADMIN)
    rules = scoring.save_rules(ATTAINMENT_AND_SIZE, actor=admin, based_on=1)
    cards = {card.partner_id: card for card in scoring.compute_scorecards(OCTOBER, rules=rules, now=NOW)}
    low, middle, high = (cards[p.id] for p in three_distributors)
    # attainment 0.5, 1, 1 (capped); net-sales percentile 0, 0.5, 1 →
    # 60 × 0.5 + 40 × 0 = 30; 60 × 1 + 40 × 0.5 = 80; 60 + 40 = 100
    assert (low.score, middle.score, high.score) == (Decimal(30), Decimal(80), Decimal(100))
    assert (low.rank_in_type, middle.rank_in_type, high.rank_in_type) == (3, 2, 1)
    assert high.peers_in_type == 3 and high.rank_in_region == 1 and high.peers_in_region == 3
    assert Decimal(low.kpis["net_sales"]) == 100
    assert low.normalised["target_attainment"] == "0.5"


def test_new_weights_add_scorecards_and_never_rewrite_past_ones(three_distributors, every_partner):
    admin = make_user(role=Role.ADMIN)
    first = scoring.save_rules(ATTAINMENT_AND_SIZE, actor=admin, based_on=1)
    scoring.compute_scorecards(OCTOBER, rules=first, now=NOW)
    before = {card.id: card.score for card in db.session.scalars(select(Scorecard))}
    second = scoring.save_rules(
        RulesFields({"target_attainment": 100}, 40, 60, 80, 1), actor=admin, based_on=first.version
    )
    scoring.compute_scorecards(OCTOBER, rules=second, now=NOW)
    old = {card.id: card.score for card in db.session.scalars(select(Scorecard).where(Scorecard.rules_id == first.id))}
    assert old == before
    low = three_distributors[0]
    history = scoring.scorecard_history(low, OCTOBER)
    assert history[OCTOBER].rules_id == second.id and history[OCTOBER].score == Decimal(50)


def test_tier_recommendation_from_the_average_of_the_last_months(three_distributors, every_partner):
    admin = make_user(role=Role.ADMIN)
    rules = scoring.save_rules(
        RulesFields({"target_attainment": 60, "net_sales": 40}, 40, 60, 80, 2), actor=admin, based_on=1
    )
    scoring.compute_scorecards(OCTOBER, rules=rules, now=NOW)
    scoring.compute_scorecards(date(2026, 9, 1), rules=rules, now=NOW)  # September: no data, no score
    low, middle, high = three_distributors
    low.tier = PartnerTier.GOLD
    assert scoring.recommend_tier(low, OCTOBER).action == "demote"  # 30 < silver 40
    assert scoring.recommend_tier(low, OCTOBER).recommended is PartnerTier.REGISTERED
    recommendation = scoring.recommend_tier(middle, OCTOBER)
    assert (recommendation.average, recommendation.recommended, recommendation.action) == (
        Decimal(80),
        PartnerTier.PLATINUM,
        "promote",
    )
    no_data = scoring.recommend_tier(high, date(2026, 9, 1))
    assert no_data.recommended is None and no_data.action == "keep"


def test_peer_median_is_the_median_of_the_partner_type(three_distributors, every_partner):
    admin = make_user(role=Role.ADMIN)
    rules = scoring.save_rules(ATTAINMENT_AND_SIZE, actor=admin, based_on=1)
    reseller = joined(make_partner(partner_type=PartnerType.RESELLER))
    make_sales_line(reseller, order_date=date(2026, 10, 9), quantity="1", unit_price="5")
    cards = {card.partner_id: card for card in scoring.compute_scorecards(OCTOBER, rules=rules, now=NOW)}
    assert {cards[p.id].peer_median for p in three_distributors} == {Decimal(80)}  # of 30, 80 and 100
    assert cards[reseller.id].peer_median == Decimal(
        100
    )  # alone: top of its type on sales, no target (weight passed on)


def test_a_partner_that_reported_nothing_has_no_score_and_no_rank(three_distributors, every_partner):
    """Alpen (no lines, a target) once showed "Score 0.00 / 100, rank 1 of 1"; its training alone is no score."""
    from tests.builders import make_course
    from training.services import issue_certificate

    silent = joined(make_partner(partner_type=PartnerType.DISTRIBUTOR))
    db.session.add(SalesTarget(partner_id=silent.id, period=OCTOBER, amount=Decimal(15_000)))
    issue_certificate(make_user(silent), make_course(types=("distributor",)), None, at=datetime(2026, 9, 1, tzinfo=UTC))
    db.session.flush()
    cards = {card.partner_id: card for card in scoring.compute_scorecards(OCTOBER, now=NOW)}
    card = cards[silent.id]
    assert Decimal(card.kpis["training_completion"]) == 1 and card.kpis["target_attainment"] is None
    assert card.score is None and card.rank_in_type is None and card.rank_in_region is None
    assert cards[three_distributors[0].id].peers_in_type == 3  # the others are ranked among themselves


def test_a_partner_is_not_scored_for_months_before_it_joined(db, every_partner):
    newcomer = joined(make_partner(), datetime(2026, 11, 2, tzinfo=UTC))
    cards = scoring.compute_scorecards(OCTOBER, now=NOW)
    assert newcomer.id not in {card.partner_id for card in cards}


def test_the_nightly_command_scores_recent_months(app, db, three_distributors):
    result = app.test_cli_runner().invoke(args=["performance", "score", "--months", "2"])
    assert result.exit_code == 0, result.output
    assert "scorecard(s) computed with version 1" in result.output
    assert db.session.scalar(select(func.count()).select_from(Scorecard)) > 0


def test_the_evaluation_sorts_in_the_database_with_partners_without_data_last(three_distributors, every_partner):
    from performance.evaluation import EvaluationCriteria, evaluate_partners

    admin = make_user(role=Role.ADMIN)
    scoring.compute_scorecards(OCTOBER, rules=scoring.save_rules(ATTAINMENT_AND_SIZE, actor=admin, based_on=1))
    unscored = joined(make_partner(partner_type=PartnerType.DISTRIBUTOR), datetime(2026, 11, 2, tzinfo=UTC))
    low, middle, high = three_distributors
    by_score = evaluate_partners(EvaluationCriteria(OCTOBER, partner_type=PartnerType.DISTRIBUTOR))
    assert [row.partner for row in by_score.items] == [high, middle, low, unscored] and by_score.total == 4
    by_sales = evaluate_partners(EvaluationCriteria(OCTOBER, partner_type=PartnerType.DISTRIBUTOR, sort="net_sales"))
    assert [row.partner for row in by_sales.items][:3] == [high, middle, low]  # 400 > 200 > 100
