"""A GET reads: no page writes to the database when looked at. Deals past their date are expired as they are read
(the daily command records it); version 1 of the scoring rules comes with the schema; and a walk of every page as
each demo login finds no INSERT, UPDATE or DELETE during a GET."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.engine import Engine

from orders import deals
from orders.models import DealRegistration, DealStatus, SalesUpload
from performance import scoring
from performance.kpis import SCORED_KPIS
from performance.models import Scorecard, ScoringRules
from portal import create_app, tenancy
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.calendar import local_today
from portal.extensions import db
from portal.security import Role, RuleViolation
from tests.builders import make_partner, make_user
from tests.conftest import IsolatedClient, session_of
from tests.portal.test_tenant_isolation import ID_ARGUMENTS, STRING_ARGUMENTS, _build, _routes
from training import services as training
from training.models import Certificate, Course, QuizAttempt

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|UPSERT)\b", re.IGNORECASE)


@contextmanager
def writes() -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements any connection executes inside the block."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        if WRITE.match(statement):
            seen.append(" ".join(statement.split())[:200])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def get(client, url: str, headers: dict | None = None):
    """A GET and the writes it made."""
    with writes() as seen:
        response = client.get(url, headers=headers)
    response.get_data()  # read in full, so that a file sent from disk is closed
    response.close()
    return response, seen


# Deals past their date --------------------------------------------------------------------------------------


@pytest.fixture()
def overdue(db, every_partner):
    """A partner with a deal approved 100 days ago (protection ended), one waiting past its expected close, and
    one approved today; its clerk and the channel manager of its region."""
    today = local_today()
    partner = make_partner(code="P-OVERDUE", region="CN-GD")
    clerk = make_user(partner)
    manager = make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",))

    def registered(name: str, on, close_in_days: int) -> DealRegistration:
        fields = deals.DealFields(name, "", "drills", Decimal(1000), on + timedelta(days=close_in_days))
        return deals.register_deal(fields, actor=clerk, today=on)

    protection_ended = registered("Protection Ended Co", today - timedelta(days=100), 30)
    deals.approve_deal(protection_ended, actor=manager, today=today - timedelta(days=100))
    waiting = registered("Waited Too Long Co", today - timedelta(days=40), 30)
    current = registered("Current Co", today, 30)
    deals.approve_deal(current, actor=manager, today=today)
    db.session.flush()
    return {"clerk": clerk, "manager": manager, "ended": protection_ended, "waiting": waiting, "current": current}


def _states(page: str) -> dict[int, str]:
    """Deal id → the state its row in the list shows."""
    rows = re.findall(r"<tr><td>(\d+)</td>(.*?)</tr>", page, re.DOTALL)
    return {int(deal_id): re.findall(r"<td>([^<]*)</td>", row)[-2] for deal_id, row in rows}


def test_a_get_of_the_deals_writes_nothing_and_shows_the_overdue_deals_as_expired(client, login, overdue):
    ended, waiting, current = overdue["ended"], overdue["waiting"], overdue["current"]
    login(overdue["manager"])

    response, seen = get(client, "/orders/deals")
    assert response.status_code == 200 and seen == []
    states = _states(response.get_data(as_text=True))
    assert states == {ended.id: "Expired", waiting.id: "Expired", current.id: "Approved"}

    response, seen = get(client, "/orders/deals?status=expired")
    assert seen == [] and set(_states(response.get_data(as_text=True))) == {ended.id, waiting.id}
    response, seen = get(client, "/orders/deals?status=approved")
    assert seen == [] and set(_states(response.get_data(as_text=True))) == {current.id}
    response, seen = get(client, "/orders/deals?status=submitted")
    assert seen == [] and set(_states(response.get_data(as_text=True))) == set()

    response, seen = get(client, "/orders/deals?status=expired&format=csv")
    exported = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert seen == [] and sorted(row["status"] for row in exported) == ["expired", "expired"]

    response, seen = get(client, f"/orders/deals/{waiting.id}")
    page = response.get_data(as_text=True)
    assert seen == [] and "Expired" in page and f"/orders/deals/{waiting.id}/approve" not in page
    login(overdue["clerk"])
    response, seen = get(client, f"/orders/deals/{ended.id}")
    page = response.get_data(as_text=True)
    assert seen == [] and "Expired" in page and f"/orders/deals/{ended.id}/won" not in page

    db.session.expire_all()
    assert (ended.status, waiting.status) == (DealStatus.APPROVED, DealStatus.SUBMITTED)  # as stored: unchanged


def test_an_overdue_deal_is_expired_for_every_rule_before_the_daily_command_records_it(app, overdue):
    ended, waiting, today = overdue["ended"], overdue["waiting"], local_today()
    with pytest.raises(RuleViolation):
        deals.approve_deal(waiting, actor=overdue["manager"], today=today)
    with pytest.raises(RuleViolation):
        deals.reject_deal(waiting, actor=overdue["manager"], reason="late", today=today)
    with pytest.raises(RuleViolation):
        deals.close_deal(ended, actor=overdue["clerk"], won=False, today=today)
    rival = make_user(make_partner(region="CN-GD"))
    fields = deals.DealFields("Protection Ended Co", "", "drills", Decimal(1000), today + timedelta(days=30))
    assert deals.register_deal(fields, actor=rival, today=today).conflict_note is None  # nobody protects it now

    result = app.test_cli_runner().invoke(args=["deals", "expire"])

    assert result.exit_code == 0 and "2 registration(s) expired." in result.output, result.output
    db.session.expire_all()
    assert (ended.status, waiting.status) == (DealStatus.EXPIRED, DealStatus.EXPIRED)
    recorded = db.session.scalars(
        select(AuditEntry.entity_id).where(
            AuditEntry.entity_type == "deal_registrations", AuditEntry.action == "expire"
        )
    ).all()
    assert sorted(recorded) == sorted([ended.id, waiting.id])


# The scoring rules ------------------------------------------------------------------------------------------


def test_version_1_of_the_rules_comes_with_the_schema_and_the_rules_page_only_reads_it(tmp_path):
    """A database just migrated holds version 1 with the defaults; the admin's first look at the rules page and at
    a scorecard writes nothing. (A database of its own: other tests' clean-ups may empty the shared one.)"""
    from flask_migrate import upgrade

    from portal.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fresh.db'}"

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        from partners.regions import load_regions

        load_regions()
        with tenancy.every_partner(reason="test data"):
            admin = make_user(role=Role.ADMIN)
            partner_id = make_partner().id
            cookie = session_of(admin)
        db.session.commit()
        db.session.remove()
    try:
        client = app.test_client()
        with client.session_transaction() as session:
            session.update(cookie)
        with writes() as seen:
            rules_page = client.get("/performance/rules")
            scorecard = client.get(f"/performance/partners/{partner_id}/scorecard")
        with app.app_context():
            stored = [_rules_values(rules) for rules in db.session.scalars(select(ScoringRules))]
            assert stored == [_rules_values(scoring.default_rules())]
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
    assert rules_page.status_code == 200 and "Current version: 1" in rules_page.get_data(as_text=True)
    assert scorecard.status_code == 200
    assert seen == []


def _rules_values(rules: ScoringRules) -> tuple:
    return (
        rules.version,
        rules.weights,
        rules.silver_min,
        rules.gold_min,
        rules.platinum_min,
        rules.recommendation_months,
    )


def test_with_no_rules_stored_the_pages_read_the_defaults_and_the_first_save_stores_version_1(
    client, login, db, every_partner
):
    db.session.execute(delete(Scorecard))
    db.session.execute(delete(ScoringRules))
    admin = make_user(role=Role.ADMIN)
    partner = make_partner()
    login(admin)

    response, seen = get(client, "/performance/rules")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and seen == [] and "Current version: 1" in page
    assert re.search(r'name="target_attainment"[^>]*value="25"', page)
    response, seen = get(client, f"/performance/partners/{partner.id}/scorecard")
    assert response.status_code == 200 and seen == []
    assert db.session.scalar(select(func.count()).select_from(ScoringRules)) == 0

    weights = dict(scoring.DEFAULT_WEIGHTS, target_attainment=20, net_sales=15)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)
    form = {
        **{name: str(weights.get(name, 0)) for name in SCORED_KPIS},
        "silver_min": "50",
        "gold_min": "65",
        "platinum_min": "80",
        "recommendation_months": "3",
        "note": "more for size",
        "based_on": "1",
        **({"submission_key": key[1]} if key else {}),
    }
    assert client.post("/performance/rules", data=form).status_code == 303
    versions = db.session.execute(
        select(ScoringRules.version, ScoringRules.weights).order_by(ScoringRules.version)
    ).all()
    assert versions == [(1, scoring.DEFAULT_WEIGHTS), (2, {name: weights.get(name, 0) for name in SCORED_KPIS})]


# Every page, as each demo login --------------------------------------------------------------------------------

# One login of each role, and the partner half-way through its checklist; None is a visitor who is not logged in.
WALKERS = [
    "admin@qudao.example",
    "manager.south@qudao.example",
    "admin@huanan.example",
    "sales@huanan.example",
    "admin@alpen.example",
    None,
]
FOLLOW_PER_ROUTE = 2  # links followed per route (path with ids, query keys): more of the same find nothing new
NEVER_FOLLOW = re.compile(r"^/static/|/logout$")
# Writes that a GET may make (the start of the statement), and why. The login gate only reads the session row.
ALLOWED_WRITES: dict[str, str] = {}  # statement prefix → why a GET may run it; none may


@pytest.fixture()
def demo(db):
    """The demo data, plus what makes every page with an id or a token reachable: deals past their date, a quiz
    attempt of each demo partner user, a large upload of 深圳华南 and an application asked for more information."""
    from partners.models import ApplicationStatus, PartnerApplication
    from portal import demo_seeders

    with tenancy.every_partner(reason="demo data for the walk"):
        for seed in demo_seeders():
            seed()
        today = local_today()
        users = {user.email: user for user in db.session.scalars(select(User))}
        clerk, manager = users["sales@huanan.example"], users["manager.south@qudao.example"]
        late = deals.register_deal(
            deals.DealFields("过期客户有限公司", "", "drills", Decimal(1000), today - timedelta(days=10)),
            actor=clerk,
            today=today - timedelta(days=120),
        )
        deals.approve_deal(late, actor=manager, today=today - timedelta(days=120))
        deals.register_deal(
            deals.DealFields("逾期未批有限公司", "", "drills", Decimal(1000), today - timedelta(days=3)),
            actor=clerk,
            today=today - timedelta(days=30),
        )
        course = db.session.scalars(select(Course).where(Course.is_published).order_by(Course.id)).first()
        for user in users.values():
            if user.partner_id is not None:
                training.start_attempt(user, course)
        db.session.add(
            SalesUpload(partner_id=clerk.partner_id, filename="big.csv", content=b"x", size=1, created_by_id=clerk.id)
        )
        application = db.session.scalars(select(PartnerApplication).order_by(PartnerApplication.id)).first()
        application.status = ApplicationStatus.INFO_REQUESTED
        db.session.flush()
    return users


def _first_id(model, user: User | None) -> int | None:
    """The first row of `model` that `user` may see, as the walk's value for a route argument: their own quiz
    attempt; a channel manager for the manager pages."""
    if model == "User":
        query = select(User.id).where(User.role == Role.CHANNEL_MANAGER)
    elif model == "CoverageAssignment":
        from partners.models import CoverageAssignment

        query = select(CoverageAssignment.id)
    elif model is QuizAttempt:
        query = select(QuizAttempt.id).where(QuizAttempt.user_id == (user.id if user else None))
    else:
        query = select(model.id)
    tenancy.set_scope(db.session(), user)
    return db.session.scalar(query.order_by(query.selected_columns[0]).limit(1))


def _token_for(endpoint: str, demo: dict[str, User]) -> str:
    """A valid link of the kind the route takes (the walk also tries a forged one: STRING_ARGUMENTS)."""
    from partners.models import PartnerApplication
    from partners.onboarding import application_token
    from portal.auth.services import LinkPurpose, make_link_token

    with tenancy.every_partner(reason="making the links that mail would carry"):
        if endpoint == "partners.update_application":
            return application_token(
                db.session.scalars(select(PartnerApplication).order_by(PartnerApplication.id)).first()
            )
        purpose = LinkPurpose.INVITE if endpoint == "auth.accept_invitation" else LinkPurpose.RESET
        return make_link_token(demo["sales@huanan.example"], purpose)


def _survey_link(demo: dict[str, User]) -> tuple[int, str]:
    """The demo clerk's waiting link to the partner survey."""
    from service.models import SurveyInvitation
    from service.surveys import token_for

    with tenancy.every_partner(reason="the link that mail would carry"):
        invitation = db.session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.user_id == demo["sales@huanan.example"].id, SurveyInvitation.answered_at.is_(None))
            .order_by(SurveyInvitation.id)
        ).first()
        assert invitation is not None, "the demo clerk has a survey to answer"
        return invitation.survey_id, token_for(invitation)


def _walk_urls(app, user: User | None, demo: dict[str, User]) -> list[str]:
    urls = []
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        values = {}
        for name in rule.arguments:
            if name == "code":
                with tenancy.every_partner(reason="a certificate to verify"):
                    values[name] = db.session.scalar(select(Certificate.code).order_by(Certificate.id).limit(1))
            elif name in STRING_ARGUMENTS:
                values[name] = STRING_ARGUMENTS[name]
            else:
                values[name] = _first_id(ID_ARGUMENTS[name], user) or 1
        if "token" in rule.arguments:
            urls.append(_build(rule, values))  # the forged one
            if rule.endpoint == "service.answer_survey":
                values["survey_id"], values["token"] = _survey_link(demo)
            else:
                values["token"] = _token_for(rule.endpoint, demo)
        urls.append(_build(rule, values))
    return urls


def _links(page: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', page):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or NEVER_FOLLOW.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _route_of(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    return re.sub(r"/\d+", "/N", parts.path), tuple(sorted({key for key, _ in parse_qsl(parts.query)}))


@pytest.mark.parametrize("email", WALKERS, ids=lambda email: email or "visitor")
def test_no_get_request_writes_to_the_database(app, client, login, demo, email):
    """Every GET route (ids of rows the login may see, valid and forged links), then the links those pages
    offer, FOLLOW_PER_ROUTE per route: no INSERT, UPDATE or DELETE runs during any of these requests."""
    user = demo[email] if email else None
    if user is not None:
        login(user)
    queue = _walk_urls(app, user, demo)
    visited: set[str] = set()
    per_route: dict[tuple, int] = {}
    problems, answered = [], 0
    if user is not None and user.role is Role.PARTNER_ADMIN:  # the API as the partner's ERP reads it
        from orders.api_tokens import create_token

        _token, plain = create_token(actor=user, name="ERP")
        response, seen = get(
            client, f"/api/v1/sales-lines?period={local_today():%Y-%m}", {"Authorization": f"Bearer {plain}"}
        )
        assert response.status_code == 200
        problems.append(_unexplained("/api/v1/sales-lines (with a token)", seen))
    while queue:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        response, seen = get(client, url)
        answered += response.status_code == 200
        problems.append(_unexplained(url, seen))
        if response.status_code >= 500:
            problems.append(f"GET {url} answered {response.status_code}")
        if response.mimetype == "text/html":
            for link in _links(response.get_data(as_text=True)):
                route = _route_of(link)
                if link not in visited and per_route.get(route, 0) < FOLLOW_PER_ROUTE:
                    per_route[route] = per_route.get(route, 0) + 1
                    queue.append(link)
    assert answered >= (15 if user else 5), f"the walk reached only {answered} pages: {sorted(visited)}"
    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(problems)


def _unexplained(url: str, seen: list[str]) -> str:
    unexplained = [statement for statement in seen if not any(statement.startswith(key) for key in ALLOWED_WRITES)]
    return f"GET {url} wrote: {unexplained[:3]}" if unexplained else ""
