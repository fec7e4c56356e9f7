"""Scorecards: KPIs normalised to 0…1, weighted into a score of 0–100 with a versioned set of rules, ranked
among peers, and turned into a tier recommendation. docs/kpis.md explains every step."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, delete, func, insert, select, update

from orders.models import MonthlySales
from partners.models import Partner, PartnerTier, Region
from performance.kpis import SCORED_KPIS, compute_kpis
from performance.models import RunStatus, Scorecard, ScoringRules, ScoringRun
from portal import audit, tenancy
from portal.auth.models import User
from portal.calendar import MonthRange, add_months, month_end, month_start, months_between
from portal.database import among, utcnow
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation

DEFAULT_WEIGHTS = {
    "net_sales": 10,
    "target_attainment": 25,
    "growth_yoy": 10,
    "growth_prev": 5,
    "active_customers": 10,
    "new_customers": 5,
    "returns_ratio": 5,
    "deal_win_rate": 10,
    "training_completion": 10,
    "on_time_reporting": 10,
}
SIZE_KPIS = ("net_sales", "active_customers", "new_customers")  # normalised by rank among peers of the same type
TIER_ORDER = [PartnerTier.REGISTERED, PartnerTier.SILVER, PartnerTier.GOLD, PartnerTier.PLATINUM]
RETURNS_CEILING = Decimal("0.10")  # a returns ratio of 10 % or more scores 0
GROWTH_SPAN = Decimal("0.50")  # growth of −50 % scores 0, none scores 0.5, +50 % scores 1
# Lower is better for these, down to 0 at the ceiling (docs/kpis.md).
CEILINGS = {
    "cases_per_million": Decimal(20),
    "median_first_response": Decimal(40),  # business hours: five working days
    "median_resolution": Decimal(160),  # twenty working days
    "complaints_per_100_customers": Decimal(10),
}


def _clamp(value: Decimal) -> Decimal:
    return max(Decimal(0), min(Decimal(1), value))


def normalise_ratio(name: str, value: Decimal | None) -> Decimal | None:
    """A ratio KPI on the 0…1 scale; None stays None (no data)."""
    if value is None:
        return None
    if name == "target_attainment":
        return _clamp(value)
    if name in ("growth_yoy", "growth_prev"):
        return _clamp((value + GROWTH_SPAN) / (2 * GROWTH_SPAN))
    if name == "returns_ratio":
        return _clamp(1 - value / RETURNS_CEILING)
    if name in CEILINGS:
        return _clamp(1 - value / CEILINGS[name])
    if name == "partner_nps":  # −100 … +100 points
        return _clamp((value + 100) / 200)
    if name == "customer_csat":  # 1 … 5
        return _clamp((value - 1) / 4)
    return _clamp(value)  # win rate, training completion, on-time reporting, complaints resolved: shares


def percentile(value, peers: Sequence) -> Decimal:
    """Where `value` stands among the values of its peers (itself included, sorted ascending): the share of the
    others below it, ties counting half. 1 when it has no peer."""
    others = len(peers) - 1
    if others <= 0:
        return Decimal(1)
    below = bisect_left(peers, value)
    equal = bisect_right(peers, value) - below - 1
    return Decimal(below) / others + Decimal(equal) / (2 * others)


def weighted_score(normalised: dict[str, Decimal | None], weights: dict[str, int]) -> Decimal | None:
    """100 × Σ weight × value / Σ weight over the KPIs that have data; a KPI without data passes its weight on to
    the others. None when no weighted KPI has data."""
    present = {name: value for name, value in normalised.items() if value is not None}
    used = {name: weight for name, weight in weights.items() if weight and name in present}
    total = sum(used.values())
    if not total:
        return None
    score = 100 * sum((weight * present[name] for name, weight in used.items()), Decimal(0)) / total
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _peer_region(region_path: str) -> str:
    """Partners are ranked within their province or state (the second level of the region tree)."""
    parts = [part for part in region_path.split("/") if part]
    return parts[1] if len(parts) > 1 else parts[0]


def _ranks(scores: dict[int, Decimal | None], groups: dict[int, str]) -> dict[int, tuple[int | None, int]]:
    """Rank 1 = best score within each group; (None, peers) for a partner without a score."""
    members: dict[str, list[Decimal]] = defaultdict(list)
    for partner_id, group in groups.items():
        if (score := scores.get(partner_id)) is not None:
            members[group].append(score)
    ascending = {group: sorted(values) for group, values in members.items()}
    ranks: dict[int, tuple[int | None, int]] = {}
    for partner_id, group in groups.items():
        peers = ascending.get(group, [])
        score = scores.get(partner_id)
        rank = None if score is None else 1 + len(peers) - bisect_right(peers, score)  # 1 + those above
        ranks[partner_id] = (rank, len(peers))
    return ranks


def _medians(scores: dict[int, Decimal | None], groups: dict[int, str]) -> dict[str, Decimal]:
    """The median score of each group: kept on every scorecard, so a partner sees where it stands against its
    peers without seeing any one of them."""
    members: dict[str, list[Decimal]] = defaultdict(list)
    for partner_id, group in groups.items():
        if (score := scores.get(partner_id)) is not None:
            members[group].append(score)
    return {
        group: Decimal(median(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for group, values in members.items()
    }


def _as_text(value) -> str | None:
    return None if value is None else str(value)


def default_rules() -> ScoringRules:
    """Version 1: the defaults that the schema's migration stores (keep the two alike)."""
    return ScoringRules(
        version=1,
        weights=dict(DEFAULT_WEIGHTS),
        silver_min=50,
        gold_min=65,
        platinum_min=80,
        recommendation_months=3,
        note="",
    )


def _newest_rules() -> ScoringRules | None:
    return db.session.scalar(select(ScoringRules).order_by(ScoringRules.version.desc()).limit(1))


def current_rules() -> ScoringRules:
    """The newest version of the rules, for reading. The migration stores version 1; should the table be empty
    all the same, the defaults are returned unsaved, so that looking at the rules never writes."""
    return _newest_rules() or default_rules()


def rules_versions(limit: int = 20) -> list[ScoringRules]:
    """The latest versions of the scoring rules, newest first."""
    return list(db.session.scalars(select(ScoringRules).order_by(ScoringRules.version.desc()).limit(limit)))


def stored_rules() -> ScoringRules:
    """The newest version of the rules as a stored row, for what refers to it (scorecards, the next version):
    version 1 is stored here when the table is empty. The caller commits."""
    rules = _newest_rules()
    if rules is None:
        rules = default_rules()
        db.session.add(rules)
        db.session.flush()
    return rules


@dataclass(frozen=True)
class RulesFields:
    weights: dict[str, int]
    silver_min: int
    gold_min: int
    platinum_min: int
    recommendation_months: int
    note: str = ""


def check_rules(fields: RulesFields) -> None:
    """Raises RuleViolation (with the field) for weights that are negative or do not add up to 100 and for
    thresholds out of order."""
    for name, weight in fields.weights.items():
        if name not in SCORED_KPIS:
            raise RuleViolation(_l("Unknown KPI."), field=name)
        if weight is None or weight < 0 or weight > 100:
            raise RuleViolation(_l("Use a weight from 0 to 100."), field=name)
    if sum(fields.weights.values()) != 100:
        raise RuleViolation(
            _l("The weights add up to %(total)d; they must add up to 100.", total=sum(fields.weights.values())),
            field="weights",
        )
    if not 0 < fields.silver_min < fields.gold_min < fields.platinum_min <= 100:
        raise RuleViolation(_l("Thresholds must rise: 0 < silver < gold < platinum ≤ 100."), field="silver_min")
    if not 1 <= fields.recommendation_months <= 24:
        raise RuleViolation(_l("Use 1 to 24 months."), field="recommendation_months")


def save_rules(fields: RulesFields, *, actor: User, based_on: int) -> ScoringRules:
    """A new version of the rules. `based_on` is the version the admin edited: if someone saved a newer one in the
    meantime, the change is refused rather than silently replacing theirs. Audited; the caller commits."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    check_rules(fields)
    newest = stored_rules()
    if newest.version != based_on:
        raise RuleViolation(
            _l(
                "Someone saved version %(version)d of the rules while you were editing. Look at it "
                "and make your change again.",
                version=newest.version,
            ),
            field="weights",
        )
    rules = ScoringRules(
        version=newest.version + 1,
        weights={name: fields.weights.get(name, 0) for name in SCORED_KPIS},
        silver_min=fields.silver_min,
        gold_min=fields.gold_min,
        platinum_min=fields.platinum_min,
        recommendation_months=fields.recommendation_months,
        note=fields.note.strip()[:300],
        created_by_id=actor.id,
    )
    db.session.add(rules)
    db.session.flush()
    audit.record(
        actor=actor,
        row=rules,
        action="create",
        before={"version": newest.version, **newest.weights},
        after={"version": rules.version, **rules.weights},
    )
    return rules


@dataclass(frozen=True)
class ComputedScorecard:
    """What compute_scorecards stored for one partner (the rows themselves stay in the database)."""

    partner_id: int
    period: date
    rules_id: int
    score: Decimal | None
    kpis: dict
    normalised: dict
    rank_in_type: int | None
    peers_in_type: int
    rank_in_region: int | None
    peers_in_region: int
    peer_median: Decimal | None
    computed_at: datetime


def compute_scorecards(
    period: date, *, rules: ScoringRules | None = None, now: datetime | None = None
) -> list[ComputedScorecard]:
    """Score every active partner in scope for one month with one version of the rules (the newest by default).
    A month scored again with the same version is replaced (the lines may have changed); scorecards of other
    versions stay as they were. Ranks and size KPIs compare partners of the same type, so brand-wide
    scorecards are computed in the every-partner scope. The caller commits."""
    rules = rules or stored_rules()
    # Plain rows, not Partner objects: thousands of partners are scored each night.
    partners = db.session.execute(
        select(Partner.id, Partner.partner_type, Partner.tier, Partner.joined_on, Region.path.label("region_path"))
        .join(Region, Region.id == Partner.region_id)
        .where(Partner.active_during(period, month_end(period)))  # not before it joined, nor after it left
    ).all()
    kpis = compute_kpis(partners, MonthRange.month(period), now=now)
    peers: dict[tuple[str, str], list] = defaultdict(list)  # (type, size KPI) → its values, sorted below
    for partner in partners:
        for name in SIZE_KPIS:
            if (value := getattr(kpis[partner.id], name)) is not None:
                peers[(partner.partner_type.value, name)].append(value)
    for peer_values in peers.values():
        peer_values.sort()
    normalised: dict[int, dict[str, Decimal | None]] = {}
    for partner in partners:
        own = kpis[partner.id]
        values: dict[str, Decimal | None] = {}
        for name in SCORED_KPIS:
            value = getattr(own, name)
            if name in SIZE_KPIS:
                values[name] = None if value is None else percentile(value, peers[(partner.partner_type.value, name)])
            else:
                values[name] = normalise_ratio(name, value)
        normalised[partner.id] = values
    # A partner that reported nothing for the month is not scored on its other KPIs (training alone is no
    # score): it has no score and no rank.
    scores = {
        partner.id: weighted_score(normalised[partner.id], rules.weights) if kpis[partner.id].reported else None
        for partner in partners
    }
    type_ranks = _ranks(scores, {p.id: p.partner_type.value for p in partners})
    medians = _medians(scores, {p.id: p.partner_type.value for p in partners})
    region_ranks = _ranks(scores, {p.id: _peer_region(p.region_path) for p in partners})
    db.session.execute(
        delete(Scorecard).where(
            Scorecard.period == period,
            Scorecard.rules_id == rules.id,
            Scorecard.partner_id.in_([p.id for p in partners]),
        )
    )
    computed_at = utcnow()
    rows = [
        dict(
            partner_id=p.id,
            period=period,
            rules_id=rules.id,
            score=scores[p.id],
            kpis={name: _as_text(value) for name, value in kpis[p.id].as_dict().items()},
            normalised={name: _as_text(value) for name, value in normalised[p.id].items()},
            rank_in_type=type_ranks[p.id][0],
            peers_in_type=type_ranks[p.id][1],
            rank_in_region=region_ranks[p.id][0],
            peers_in_region=region_ranks[p.id][1],
            peer_median=medians.get(p.partner_type.value),
            computed_at=computed_at,
        )
        for p in partners
    ]
    if rows:
        # RETURNING makes SQLAlchemy batch the rows into multi-row INSERTs ("insertmanyvalues"): on PostgreSQL
        # several times quicker than one statement per row.
        db.session.execute(insert(Scorecard.__table__), rows)
    return [ComputedScorecard(**row) for row in rows]


def may_score_many_months(actor: User) -> bool:
    """Any brand staff scores one month (the same computation whoever asks); admins score ranges of months."""
    return actor.role is Role.ADMIN


MAX_RUN_MONTHS = 240  # twenty years of history in one run


def score_months(
    first: date,
    last: date,
    *,
    rules: ScoringRules | None = None,
    after_month: Callable[[date, int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """compute_scorecards for each month from `first` to `last`, oldest first, with one version of the rules
    (the newest by default); `after_month(month, scorecards)` follows each month (to commit it, say how far it
    got). Returns how many scorecards were computed."""
    rules = rules or stored_rules()
    count = 0
    for month in MonthRange(first, last).months():
        scored = len(compute_scorecards(month, rules=rules, now=now))
        count += scored
        if after_month:
            after_month(month, scored)
    return count


def compute_recent_scorecards(last: date, months: int = 12, *, now: datetime | None = None) -> int:
    """The `months` months up to `last` with the newest rules (the nightly job); returns how many."""
    return score_months(add_months(last, 1 - months), last, now=now)


def check_month_range(first: date | None, last: date | None, *, today: date) -> tuple[date, date]:
    """A range of months to score: both given, in order, none in the future, at most MAX_RUN_MONTHS long."""
    if first is None or last is None:
        raise RuleViolation(_l("Give the first and the last month as YYYY-MM."), field="first")
    if last < first:
        raise RuleViolation(_l("The last month comes before the first."), field="last")
    if last > month_start(today):
        raise RuleViolation(_l("A month that has not begun cannot be scored."), field="last")
    if months_between(first, last) + 1 > MAX_RUN_MONTHS:
        raise RuleViolation(_l("Score at most %(count)d months at once.", count=MAX_RUN_MONTHS), field="first")
    return first, last


def start_scoring_run(first: date | None, last: date | None, *, actor: User, today: date) -> ScoringRun:
    """A run of the months from `first` to `last` with the newest rules, for the worker. The caller commits,
    then queues performance.tasks.score_run."""
    if not may_score_many_months(actor):
        raise PermissionDenied()
    first, last = check_month_range(first, last, today=today)
    run = ScoringRun(first=first, last=last, rules_id=stored_rules().id, created_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    return run


class _TakenOver(Exception):
    """A newer worker claimed the run (this one was thought stopped): this one leaves it."""


def run_scoring(run_id: int) -> ScoringRun | None:
    """The worker's part: claim the queued run (one worker only: a conditional UPDATE), then score its months from
    the one it reached, each committed with the run's progress, in the every-partner scope (ranks compare all
    partners). Progress is written only under this worker's claim: a worker thought dead that wakes up after the
    run went to another stops. A run that is not queued is left alone."""
    session = db.session()
    with tenancy.every_partner(session, reason="scorecards rank every partner against its peers"):
        now = utcnow()
        claimed = session.execute(
            update(ScoringRun)
            .where(ScoringRun.id == run_id, ScoringRun.status == RunStatus.QUEUED)
            .values(
                status=RunStatus.RUNNING,
                attempts=ScoringRun.attempts + 1,
                started_at=func.coalesce(ScoringRun.started_at, now),
                updated_at=now,
                finished_at=None,
            )
        )
        session.commit()
        run = session.get(ScoringRun, run_id)
        if run is None or cast(CursorResult[Any], claimed).rowcount != 1:
            return run
        claim, first, last, done, rules = run.attempts, run.first, run.last, run.months_done, run.rules

        def mine(**values) -> None:
            moved = session.execute(
                update(ScoringRun).where(ScoringRun.id == run_id, ScoringRun.attempts == claim).values(**values)
            )
            if cast(CursorResult[Any], moved).rowcount != 1:
                session.rollback()
                raise _TakenOver()
            session.commit()

        def after_month(_month: date, scored: int) -> None:
            mine(
                months_done=ScoringRun.months_done + 1,
                scorecards=ScoringRun.scorecards + scored,
                updated_at=utcnow(),
            )

        try:
            score_months(add_months(first, done), last, rules=rules, after_month=after_month)
            mine(status=RunStatus.COMPLETED, finished_at=utcnow())
        except _TakenOver:
            pass
        except Exception:
            session.rollback()  # the month under way is not kept; those committed stay scored
            mine(status=RunStatus.FAILED, finished_at=utcnow())
            raise
        session.refresh(run)
    return run


def may_resume(run: ScoringRun, *, stale_after: timedelta) -> bool:
    """A stopped run, one whose worker went silent (killed) for longer than a month could take, or one no worker
    took up (its queueing failed)."""
    if run.status is RunStatus.FAILED:
        return True
    heard = run.updated_at or run.started_at or run.created_at
    return run.status in (RunStatus.RUNNING, RunStatus.QUEUED) and utcnow() - heard > stale_after


def resume_run(run: ScoringRun, *, actor: User, stale_after: timedelta) -> None:
    """Queue a stopped run again, to go on from the month it reached. The caller commits and queues it."""
    if not may_score_many_months(actor):
        raise PermissionDenied()
    if not may_resume(run, stale_after=stale_after):
        raise RuleViolation(_l("This run is not stopped."))
    run.status, run.finished_at = RunStatus.QUEUED, None
    db.session.flush()


def scoring_runs(limit: int = 10) -> list[ScoringRun]:
    return list(db.session.scalars(select(ScoringRun).order_by(ScoringRun.id.desc()).limit(limit)))


def scorecard_history(partner: Partner, last: date, months: int = 12) -> dict[date, Scorecard]:
    """The partner's scorecards for the months up to `last`, each from the newest version that scored it."""
    first = add_months(last, 1 - months)
    rows = db.session.execute(
        select(Scorecard, ScoringRules.version)
        .join(ScoringRules)
        .where(Scorecard.partner_id == partner.id, Scorecard.period.between(first, last))
    )
    newest: dict[date, tuple[int, Scorecard]] = {}
    for card, version in rows:
        if card.period not in newest or version > newest[card.period][0]:
            newest[card.period] = (version, card)
    return {period: card for period, (_, card) in newest.items()}


def newest_scorecards(period: date):
    """(partner id, rules id) of each partner's scorecard for the month from the newest version of the rules.
    Rules are only ever added, each version after the last, so the highest rules id is the newest version."""
    return (
        select(Scorecard.partner_id, func.max(Scorecard.rules_id).label("rules_id"))
        .where(Scorecard.period == period)
        .group_by(Scorecard.partner_id)
        .subquery()
    )


def latest_scorecards(period: date) -> dict[int, Scorecard]:
    """Every in-scope partner's scorecard for one month, each from the newest version that scored it."""
    newest = newest_scorecards(period)
    rows = db.session.scalars(
        select(Scorecard)
        .join(newest, (newest.c.partner_id == Scorecard.partner_id) & (newest.c.rules_id == Scorecard.rules_id))
        .where(Scorecard.period == period)
    )
    return {card.partner_id: card for card in rows}


def lines_changed_at(partner_ids: Sequence[int], period: date) -> dict[int, datetime | None]:
    """When each partner's lines of the month last arrived, moved or went (None: before that was kept); a
    partner without lines in the month is absent."""
    return dict(
        db.session.execute(
            select(MonthlySales.partner_id, MonthlySales.updated_at).where(
                among(MonthlySales.partner_id, partner_ids), MonthlySales.period == period
            )
        ).all()
    )


def is_out_of_date(card: Scorecard, changed_at: dict[int, datetime | None]) -> bool:
    """The month's lines changed after the scorecard was computed (see lines_changed_at): its figures are not
    the partner's figures any more, until the month is scored again."""
    if card.partner_id not in changed_at:
        return card.kpis.get("net_sales") is not None  # every line of the month went since
    changed = changed_at[card.partner_id]
    return changed is not None and changed > card.computed_at


@dataclass(frozen=True)
class TierRecommendation:
    current: PartnerTier
    recommended: PartnerTier | None  # None: no score in the months looked at
    average: Decimal | None
    months: int

    @property
    def action(self) -> str:
        """promote, keep or demote (keep when there is no score to go by)."""
        if self.recommended is None or self.recommended == self.current:
            return "keep"
        return "promote" if TIER_ORDER.index(self.recommended) > TIER_ORDER.index(self.current) else "demote"


def tier_for(score: Decimal, rules: ScoringRules) -> PartnerTier:
    if score >= rules.platinum_min:
        return PartnerTier.PLATINUM
    if score >= rules.gold_min:
        return PartnerTier.GOLD
    if score >= rules.silver_min:
        return PartnerTier.SILVER
    return PartnerTier.REGISTERED


def recommend_tier(partner: Partner, last: date, *, rules: ScoringRules | None = None) -> TierRecommendation:
    """The tier the average score of the last N months (N from the rules) earns; months without a score are left
    out of the average."""
    rules = rules or current_rules()
    history = scorecard_history(partner, last, rules.recommendation_months)
    scores = [card.score for card in history.values() if card.score is not None]
    if not scores:
        return TierRecommendation(partner.tier, None, None, rules.recommendation_months)
    average = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return TierRecommendation(partner.tier, tier_for(average, rules), average, rules.recommendation_months)
