"""Scoring history (performance/scoring.py): ranges of months, from the CLI and as a background run with progress;
partners scored only while they were partners; the evaluation's month list reaches every month with data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from partners.models import PartnerStatus
from performance import scoring
from performance.models import RunStatus, Scorecard, ScoringRun
from portal.database import utcnow
from portal.extensions import db
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import joined, make_partner, make_sales_line, make_user
from tests.hardening.conftest import submission_key_of

TODAY = date(2026, 12, 1)


def _scored(period: date) -> set[str]:
    cards = db.session.scalars(select(Scorecard).where(Scorecard.period == period))
    return {card.partner.code for card in cards}


@pytest.fixture()
def history(db, every_partner):
    """Three partners of 2011–2013: one still active, one terminated in mid-2012, one that joined in 2013."""
    still = joined(make_partner(code="AW-STILL"), datetime(2011, 1, 10, tzinfo=UTC))
    gone = joined(make_partner(code="AW-GONE"), datetime(2011, 3, 1, tzinfo=UTC))
    gone.status, gone.status_since = PartnerStatus.TERMINATED, date(2012, 6, 30)
    late = joined(make_partner(code="AW-LATE"), datetime(2013, 2, 1, tzinfo=UTC))
    for partner, day in ((still, date(2012, 6, 5)), (gone, date(2012, 6, 7)), (late, date(2013, 2, 3))):
        make_sales_line(partner, order_date=day)
    db.session.flush()
    return still, gone, late


def test_a_past_month_scores_the_partners_of_its_time(history):
    assert scoring.score_months(date(2012, 6, 1), date(2012, 7, 1)) == 3
    assert _scored(date(2012, 6, 1)) == {"AW-STILL", "AW-GONE"}  # terminated on the 30th: still a partner in June
    assert _scored(date(2012, 7, 1)) == {"AW-STILL"}
    assert scoring.score_months(date(2010, 12, 1), date(2010, 12, 1)) == 0  # before anyone joined


def test_each_month_of_a_range_is_followed_by_the_callback_oldest_first(history):
    seen = []
    scoring.score_months(date(2013, 1, 1), date(2013, 3, 1), after_month=lambda month, n: seen.append((month, n)))
    assert seen == [(date(2013, 1, 1), 1), (date(2013, 2, 1), 2), (date(2013, 3, 1), 2)]


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (None, date(2013, 1, 1), "first"),
        (date(2013, 5, 1), date(2013, 1, 1), "last"),
        (date(2026, 11, 1), date(2027, 1, 1), "last"),
        (date(1990, 1, 1), date(2013, 1, 1), "first"),
    ],
)
def test_a_range_out_of_order_in_the_future_or_too_long_is_refused(db, every_partner, first, last, field):
    with pytest.raises(RuleViolation) as refused:
        scoring.start_scoring_run(first, last, actor=make_user(role=Role.ADMIN), today=TODAY)
    assert refused.value.field == field


def test_only_an_admin_starts_a_run(db, every_partner):
    with pytest.raises(PermissionDenied):
        scoring.start_scoring_run(
            date(2013, 1, 1), date(2013, 2, 1), actor=make_user(role=Role.CHANNEL_MANAGER), today=TODAY
        )


def test_a_run_scores_month_by_month_and_a_stopped_one_goes_on_where_it_stopped(history):
    admin = make_user(role=Role.ADMIN)
    run = scoring.start_scoring_run(date(2012, 5, 1), date(2013, 4, 1), actor=admin, today=TODAY)
    assert (run.status, run.months, run.months_done) == (RunStatus.QUEUED, 12, 0)
    run.months_done, run.status = 9, RunStatus.FAILED  # as if the worker stopped after 2013-01
    assert scoring.may_resume(run, stale_after=timedelta(minutes=10))
    scoring.resume_run(run, actor=admin, stale_after=timedelta(minutes=10))
    assert run.status is RunStatus.QUEUED
    db.session.flush()
    scoring.run_scoring(run.id)
    db.session.refresh(run)
    assert (run.status, run.months_done, run.scorecards) == (RunStatus.COMPLETED, 12, 6)  # 2013-02 … 04: 2 each
    assert _scored(date(2012, 6, 1)) == set()  # the months before it stopped were not scored again
    assert not scoring.may_resume(run, stale_after=timedelta(minutes=10))
    scoring.run_scoring(run.id)  # a finished run is left alone
    db.session.refresh(run)
    assert (run.scorecards, run.attempts) == (6, 1)


def test_one_worker_only_takes_a_run_and_a_worker_thought_dead_stops_when_another_took_over(history, monkeypatch):
    admin = make_user(role=Role.ADMIN)
    run = scoring.start_scoring_run(date(2012, 5, 1), date(2012, 8, 1), actor=admin, today=TODAY)
    db.session.flush()
    scored = scoring.compute_scorecards

    def taken_over_after_the_first_month(period, **kwargs):
        if period == date(2012, 6, 1):  # meanwhile the run was resumed and another worker claimed it
            db.session.execute(
                update(ScoringRun).where(ScoringRun.id == run.id).values(attempts=ScoringRun.attempts + 1)
            )
        return scored(period, **kwargs)

    monkeypatch.setattr(scoring, "compute_scorecards", taken_over_after_the_first_month)
    scoring.run_scoring(run.id)
    db.session.refresh(run)
    assert (run.status, run.months_done) == (RunStatus.RUNNING, 1)  # it stopped: the run is the other worker's
    assert _scored(date(2012, 6, 1)) == _scored(date(2012, 7, 1)) == set()  # nor did it score any month more
    scoring.run_scoring(run.id)  # running, not queued: a second worker does not take it
    db.session.refresh(run)
    assert run.months_done == 1


def test_a_run_that_fails_is_marked_stopped_with_the_months_it_finished(history, monkeypatch):
    admin = make_user(role=Role.ADMIN)
    run = scoring.start_scoring_run(date(2012, 5, 1), date(2012, 8, 1), actor=admin, today=TODAY)
    db.session.flush()
    scored = scoring.compute_scorecards

    def fails_in_june(period, **kwargs):
        if period == date(2012, 6, 1):
            raise RuntimeError("the database went away")
        return scored(period, **kwargs)

    monkeypatch.setattr(scoring, "compute_scorecards", fails_in_june)
    with pytest.raises(RuntimeError):
        scoring.run_scoring(run.id)
    db.session.refresh(run)
    assert (run.status, run.months_done) == (RunStatus.FAILED, 1)
    assert scoring.may_resume(run, stale_after=timedelta(minutes=10))


def test_a_queued_run_no_worker_took_may_be_queued_again(db, every_partner):
    run = scoring.start_scoring_run(date(2013, 1, 1), date(2013, 2, 1), actor=make_user(role=Role.ADMIN), today=TODAY)
    assert not scoring.may_resume(run, stale_after=timedelta(minutes=10))
    run.created_at = utcnow() - timedelta(minutes=11)
    assert scoring.may_resume(run, stale_after=timedelta(minutes=10))


def test_a_running_run_whose_worker_went_silent_may_go_on(db, every_partner):
    admin = make_user(role=Role.ADMIN)
    run = scoring.start_scoring_run(date(2013, 1, 1), date(2013, 2, 1), actor=admin, today=TODAY)
    run.status, run.started_at = RunStatus.RUNNING, utcnow()
    run.updated_at = utcnow() - timedelta(minutes=5)
    assert not scoring.may_resume(run, stale_after=timedelta(minutes=10))
    run.updated_at = utcnow() - timedelta(minutes=11)
    assert scoring.may_resume(run, stale_after=timedelta(minutes=10))


def test_the_admin_starts_a_run_from_the_evaluation_and_follows_it(app, client, login, history):
    admin = make_user(role=Role.ADMIN)
    login(admin)
    page = client.get("/performance/evaluation")
    assert 'name="first"' in page.text and "Score a range of months" in page.text
    started = client.post(
        "/performance/scoring-runs",
        data={"first": "2012-05", "last": "2013-04", "submission_key": submission_key_of(page.text)},
    )
    assert started.status_code == 303
    run = db.session.scalars(select(ScoringRun)).one()
    assert started.headers["Location"].endswith(f"/performance/scoring-runs/{run.id}")
    followed = client.get(f"/performance/scoring-runs/{run.id}")
    assert "Completed" in followed.text and "12 / 12" in followed.text  # the queue runs at once in tests
    assert _scored(date(2012, 6, 1)) == {"AW-STILL", "AW-GONE"}


def test_a_range_refused_is_said_and_starts_nothing(app, client, login, history):
    login(make_user(role=Role.ADMIN))
    page = client.get("/performance/evaluation")
    refused = client.post(
        "/performance/scoring-runs",
        data={"first": "2013-05", "last": "2013-01", "submission_key": submission_key_of(page.text)},
        follow_redirects=True,
    )
    assert "The last month comes before the first." in refused.text
    assert db.session.scalars(select(ScoringRun)).all() == []


def test_a_channel_manager_scores_one_month_but_starts_no_run(app, client, login, history):
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN",)))
    assert 'name="first"' not in client.get("/performance/evaluation").text
    assert client.post("/performance/scoring-runs", data={"first": "2012-01", "last": "2012-02"}).status_code == 403
    assert client.post("/performance/scorecards/compute", data={"period": "2012-06"}).status_code == 303


def test_the_month_list_reaches_every_month_with_sales_and_a_month_without_scorecards_says_so(
    app, client, login, history
):
    login(make_user(role=Role.ADMIN))
    page = client.get("/performance/evaluation?period=2012-06")
    assert '<option selected value="2012-06">' in page.text and 'value="2013-02"' in page.text
    assert "2012-06 has no scorecards yet" in page.text


def test_the_cli_scores_a_range_of_months_and_says_each(app, history):
    output = app.test_cli_runner().invoke(args=["performance", "score", "--from", "2012-06", "--to", "2012-07"]).output
    assert "2012-06: 2 scorecard(s)" in output and "2012-07: 1 scorecard(s)" in output
    assert "3 scorecard(s) computed" in output
    wrong = app.test_cli_runner().invoke(args=["performance", "score", "--from", "2013-05", "--to", "2013-01"])
    assert wrong.exit_code != 0 and "The last month comes before the first." in wrong.output


def test_a_stopped_run_is_said_on_its_page_and_goes_on_when_asked(app, client, login, history):
    admin = make_user(role=Role.ADMIN)
    run = scoring.start_scoring_run(date(2012, 5, 1), date(2012, 8, 1), actor=admin, today=TODAY)
    run.status, run.months_done = RunStatus.FAILED, 2
    db.session.flush()
    login(admin)
    page = client.get(f"/performance/scoring-runs/{run.id}")
    assert "The worker stopped before the run was finished" in page.text and "2 / 4" in page.text
    assert client.post(f"/performance/scoring-runs/{run.id}/resume").status_code == 303
    assert "Completed" in client.get(f"/performance/scoring-runs/{run.id}").text
    assert _scored(date(2012, 7, 1)) == {"AW-STILL"} and _scored(date(2012, 6, 1)) == set()
