"""A survey's results: who answered, its net promoter score and satisfaction, every question's answers, the trend by
month and a breakdown by partner, partner type, tier, region and product line. Each figure counts the responses
in the reader's tenancy scope (a channel manager: their regions' partners).

Definitions (docs/kpis.md states them too):
- response rate = responses / invitations, in percent;
- NPS = (promoters − detractors) / answers × 100, where promoters answer 9 or 10 and detractors 0 to 6, on the
  survey's first 0–10 question; from −100 to +100, to one decimal;
- CSAT = the mean of the survey's first 1–5 question, to two decimals, with the count of each score."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from partners.models import PARTNER_TIER_LABELS, PARTNER_TYPE_LABELS, Partner, ProductLine, Region
from partners.models import partner_product_lines as partner_lines
from portal.calendar import MonthRange
from portal.extensions import db
from service.models import (
    SCORED_KINDS,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyAnswerTally,
    SurveyAudience,
    SurveyInvitation,
    SurveyResponse,
    SurveyTally,
)
from service.surveys import local_month, response_counts

BREAKDOWNS = {
    "partner": _l("Partner"),
    "partner_type": _l("Partner type"),
    "tier": _l("Tier"),
    "region": _l("Region"),
    "product_line": _l("Product line"),
}


def percent(part: int, whole: int, places: str = "0.1") -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Satisfaction:
    """The NPS and CSAT counts of a set of responses; the scores themselves are worked out from the counts."""

    responses: int = 0
    promoters: int = 0
    detractors: int = 0
    nps_answers: int = 0
    csat_total: int = 0
    csat_answers: int = 0

    @property
    def passives(self) -> int:
        return self.nps_answers - self.promoters - self.detractors

    @property
    def nps(self) -> Decimal | None:
        return percent(self.promoters - self.detractors, self.nps_answers)

    @property
    def csat(self) -> Decimal | None:
        if not self.csat_answers:
            return None
        return (Decimal(self.csat_total) / self.csat_answers).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def satisfaction_columns() -> list[Any]:
    """The sums of the tallies that make a Satisfaction, in its fields' order."""
    return [
        func.coalesce(func.sum(getattr(SurveyTally, name)), 0)
        for name in ("responses", "promoters", "detractors", "nps_answers", "csat_total", "csat_answers")
    ]


def satisfaction_from(row: Iterable[Any]) -> Satisfaction:
    return Satisfaction(*(int(value or 0) for value in row))


def satisfaction_of(query_filter: Any) -> Satisfaction:
    """NPS and CSAT counts of the tallies the condition chooses (a survey, a partner's, a quarter's)."""
    row = db.session.execute(select(*satisfaction_columns()).where(query_filter)).one()
    return satisfaction_from(row)


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    kind: QuestionKind
    text_en: str
    text_zh: str
    answered: int
    counts: list[tuple[str, int]]  # (score or option's index, how many), in the question's order; texts: none
    options: list[dict[str, str]]  # a choice question's options, {"en", "zh"}

    @property
    def share(self) -> list[tuple[str, int, Decimal | None]]:
        return [(label, n, percent(n, self.answered, "1")) for label, n in self.counts]


@dataclass(frozen=True)
class TrendPoint:
    month: date
    figures: Satisfaction


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    invited: int
    figures: Satisfaction

    @property
    def rate(self) -> Decimal | None:
        return percent(self.figures.responses, self.invited)


@dataclass
class SurveyResults:
    survey: Survey
    invited: int
    figures: Satisfaction
    questions: list[QuestionResult] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.figures.responses, self.invited)

    @property
    def csat_counts(self) -> list[tuple[str, int]]:
        first = next((q for q in self.questions if q.kind is QuestionKind.CSAT), None)
        return first.counts if first else []


def _question_results(survey: Survey) -> list[QuestionResult]:
    tallied: Counter[tuple[int, int]] = Counter()
    for question_id, value, n in db.session.execute(
        select(SurveyAnswerTally.question_id, SurveyAnswerTally.value, func.sum(SurveyAnswerTally.count))
        .where(SurveyAnswerTally.question_id.in_([q.id for q in survey.questions]))
        .group_by(SurveyAnswerTally.question_id, SurveyAnswerTally.value)
    ):
        tallied[(question_id, value)] = int(n or 0)
    results = []
    for q in survey.questions:
        values: range | list[int]
        if q.kind in SCORED_KINDS:
            values = SCORED_KINDS[q.kind]
        elif q.kind is QuestionKind.TEXT:
            values = []
        else:
            values = range(len(q.choices))
        counts = [(str(value), tallied[(q.id, value)]) for value in values]
        answered = tallied[(q.id, SurveyAnswerTally.ANSWERED)]
        results.append(QuestionResult(q.id, q.kind, q.text_en, q.text_zh, answered, counts, q.choices))
    return results


def survey_results(survey: Survey) -> SurveyResults:
    monthly = db.session.execute(
        select(SurveyTally.month, func.sum(SurveyTally.invited), *satisfaction_columns())
        .where(SurveyTally.survey_id == survey.id)
        .group_by(SurveyTally.month)
        .order_by(SurveyTally.month)
    ).all()
    trend = [TrendPoint(month, satisfaction_from(rest)) for month, _invited, *rest in monthly if rest[0]]
    total = Satisfaction(*(sum(getattr(p.figures, name) for p in trend) for name in Satisfaction.__dataclass_fields__))
    invited = sum(int(row[1] or 0) for row in monthly)
    return SurveyResults(survey, invited, total, _question_results(survey), trend)


def partner_satisfaction(first: date, last: date) -> Satisfaction:
    """What partners' users answered to the brand's partner surveys in the months `first` to `last` (first days
    of months), within the reader's scope: the brand home's "NPS this quarter"."""
    return satisfaction_of(
        SurveyTally.month.between(first, last)
        & SurveyTally.survey_id.in_(select(Survey.id).where(Survey.audience == SurveyAudience.PARTNER_USERS))
    )


def _grouped(survey: Survey, key: Any, joins: list[tuple[Any, Any]], limit: int | None) -> dict[Any, list[int]]:
    """(invited, the Satisfaction counts…) of the survey's tallies by `key` of their partner, the most answered
    first; the first `limit` groups only, when given."""
    query: Select[Any] = select(key, func.sum(SurveyTally.invited), *satisfaction_columns())
    query = query.select_from(SurveyTally).join(Partner, SurveyTally.partner_id == Partner.id)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(SurveyTally.survey_id == survey.id).group_by(key)
    query = query.order_by(func.sum(SurveyTally.responses).desc(), key).limit(limit)
    return {row[0]: [int(v or 0) for v in row[1:]] for row in db.session.execute(query)}


@dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]  # the most answered first
    groups: int  # how many there are in all (`rows` may hold the first ones only)


def breakdown(survey: Survey, by: str, *, limit: int | None = None) -> Breakdown:
    """The responses and invitations by the chosen dimension, the most answered first (the first `limit` groups
    when given: a page shows 100 partners of 2,000, the export all). A partner in two product lines counts in both;
    a region is the province (or country) its partners are in."""
    joins: list[tuple[Any, Any]] = []
    key: Any
    if by == "partner_type":
        key = Partner.partner_type
    elif by == "tier":
        key = Partner.tier
    elif by == "region":
        key = Region.path
        joins = [(Region, Partner.region_id == Region.id)]
    elif by == "product_line":
        key = partner_lines.c.product_line_id
        joins = [(partner_lines, partner_lines.c.partner_id == Partner.id)]
    else:
        key = Partner.id
    if by == "region":  # cities fold into their province, so every group is needed before the first are known
        counts = _fold_regions(_grouped(survey, key, joins, None))
        groups = len(counts)
    else:
        counts = _grouped(survey, key, joins, limit)
        groups = len(counts) if limit is None or len(counts) < limit else _group_count(survey, key, joins)
    labels = _labels(by, set(counts))
    rows = sorted(
        (
            BreakdownRow(str(k), labels.get(k, str(k)), values[0], satisfaction_from(values[1:]))
            for k, values in counts.items()
        ),
        key=lambda row: (-row.figures.responses, row.label),
    )
    return Breakdown(rows[:limit] if limit is not None else rows, groups)


def _group_count(survey: Survey, key: Any, joins: list[tuple[Any, Any]]) -> int:
    query: Select[Any] = select(func.count(func.distinct(key))).select_from(SurveyTally)
    query = query.join(Partner, SurveyTally.partner_id == Partner.id)
    for target, on in joins:
        query = query.join(target, on)
    return db.session.scalar(query.where(SurveyTally.survey_id == survey.id)) or 0


def _fold_regions(counts: dict[Any, list[int]]) -> dict[Any, list[int]]:
    folded: dict[Any, list[int]] = defaultdict(lambda: [0] * len(next(iter(counts.values()))))
    for path, values in counts.items():
        province = "/" + "/".join(path.strip("/").split("/")[:2]) + "/"
        folded[province] = [a + b for a, b in zip(folded[province], values, strict=True)]
    return dict(folded)


def _labels(by: str, keys: set[Any]) -> dict[Any, str]:
    if by == "partner_type":
        return {k: str(PARTNER_TYPE_LABELS[k]) for k in keys}
    if by == "tier":
        return {k: str(PARTNER_TIER_LABELS[k]) for k in keys}
    if by == "region":
        codes = {path.strip("/").split("/")[-1]: path for path in keys}
        return {codes[r.code]: r.full_name for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    if by == "product_line":
        lines = db.session.scalars(select(ProductLine).where(ProductLine.id.in_(keys)))
        return {line.id: f"{line.code} · {line.name}" for line in lines}
    partners = db.session.execute(select(Partner.id, Partner.code, Partner.legal_name).where(Partner.id.in_(keys)))
    return {pid: f"{code} · {name}" for pid, code, name in partners}


def responses_query(
    *, months: MonthRange | None = None, audience: SurveyAudience | None = None, partner_code: str = ""
) -> Select[*tuple[Any, ...]]:
    """The responses behind a scorecard's NPS or CSAT: when, to which survey, of which partner, with their scores
    (never who answered), newest first."""
    query: Select[*tuple[Any, ...]] = (
        select(SurveyResponse, Survey, Partner.code)
        .join(Survey, SurveyResponse.survey_id == Survey.id)
        .join(Partner, SurveyResponse.partner_id == Partner.id)
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
    )
    if months is not None:
        query = query.where(SurveyResponse.month.between(months.first, months.last))
    if audience is not None:
        query = query.where(Survey.audience == audience)
    if partner_code:
        query = query.where(Partner.code == partner_code)
    return query


def responses_satisfaction(
    *, months: MonthRange | None, audience: SurveyAudience | None, partner_code: str
) -> Satisfaction:
    """The NPS and CSAT of the responses `responses_query` lists: the same figures as the scorecard's tile."""
    condition: Any = SurveyTally.responses > 0
    if months is not None:
        condition &= SurveyTally.month.between(months.first, months.last)
    if audience is not None:
        condition &= SurveyTally.survey_id.in_(select(Survey.id).where(Survey.audience == audience))
    if partner_code:
        condition &= SurveyTally.partner_id.in_(select(Partner.id).where(Partner.code == partner_code))
    return satisfaction_of(condition)


def survey_counts(survey_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """How many were invited to each survey, and how many answered (the survey list)."""
    rows = db.session.execute(
        select(SurveyTally.survey_id, func.sum(SurveyTally.invited), func.sum(SurveyTally.responses))
        .where(SurveyTally.survey_id.in_(survey_ids))
        .group_by(SurveyTally.survey_id)
    ).all()
    return {sid: int(n or 0) for sid, n, _r in rows}, {sid: int(r or 0) for sid, _n, r in rows}


def fresh_tallies() -> dict[tuple[int, int, date], tuple[int, ...]]:
    """The survey tallies worked out again from the invitations and responses: what the stored ones must equal
    (tests/service/test_survey_results.py)."""
    fresh: dict[tuple[int, int, date], list[int]] = defaultdict(lambda: [0] * len(SurveyTally.COUNTS))
    for survey_id, partner_id, sent_at in db.session.execute(
        select(SurveyInvitation.survey_id, SurveyInvitation.partner_id, SurveyInvitation.sent_at)
    ):
        fresh[(survey_id, partner_id, local_month(sent_at))][0] += 1
    for survey_id, partner_id, month, nps, csat in db.session.execute(
        select(
            SurveyResponse.survey_id,
            SurveyResponse.partner_id,
            SurveyResponse.month,
            SurveyResponse.nps,
            SurveyResponse.csat,
        )
    ):
        counts = response_counts(nps, csat)
        row = fresh[(survey_id, partner_id, month)]
        for index, name in enumerate(SurveyTally.COUNTS[1:], start=1):
            row[index] += counts[name]
    return {key: tuple(values) for key, values in fresh.items()}


def stored_tallies() -> dict[tuple[int, int, date], tuple[int, ...]]:
    return {
        (row.survey_id, row.partner_id, row.month): tuple(getattr(row, name) for name in SurveyTally.COUNTS)
        for row in db.session.scalars(select(SurveyTally))
    }


def fresh_answer_tallies() -> Counter[tuple[int, int, int]]:
    """(question, partner, value) → count, worked out again from the answers (an erased text stays answered)."""
    fresh: Counter[tuple[int, int, int]] = Counter()
    for question_id, partner_id, score, choices in db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.partner_id, SurveyAnswer.score, SurveyAnswer.choices)
    ):
        fresh[(question_id, partner_id, SurveyAnswerTally.ANSWERED)] += 1
        for value in [score] if score is not None else choices or []:
            fresh[(question_id, partner_id, value)] += 1
    return fresh


def stored_answer_tallies() -> Counter[tuple[int, int, int]]:
    return Counter(
        {
            (row.question_id, row.partner_id, row.value): row.count
            for row in db.session.scalars(select(SurveyAnswerTally))
        }
    )


def text_answers(survey: Survey) -> list[Any]:
    return list(db.session.execute(text_answers_query(survey)))


def text_answers_query(survey: Survey) -> Select[*tuple[Any, ...]]:
    """The free-text answers, newest first, with the question, the partner and when."""
    query: Select[*tuple[Any, ...]] = (
        select(
            SurveyAnswer.text, SurveyAnswer.question_id, SurveyResponse.submitted_at, Partner.code, Partner.legal_name
        )
        .join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
        .join(Partner, SurveyAnswer.partner_id == Partner.id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.text.is_not(None))
        .order_by(SurveyResponse.submitted_at.desc(), SurveyAnswer.id.desc())
    )
    return query
