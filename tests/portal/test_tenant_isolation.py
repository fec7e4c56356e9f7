"""Walks every route of the app as users who must not see partner B's rows: each answers 404 (or 403 where
the role may not use the route at all). Routes added later are covered without a new test."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Mapper

from orders.models import ApiToken, Customer, DealRegistration, Product, SalesUpload, Submission
from partners.models import Partner, PartnerApplication, ProductLine, Region
from performance.models import ScoringRun
from portal.database import OptionalPartnerOwned, PartnerOwned, TenantRoot
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.security import Role
from service.models import CaseAttachment, CustomerComplaint, SupportCase, Survey, SurveyQuestion
from tests.builders import make_partner, make_user, partner_owned_rows
from training.models import Certificate, Course, Lesson, Question, QuizAttempt

# URL argument -> the model whose id it carries. A new argument must be named here.
ID_ARGUMENTS = {
    "partner_id": Partner,
    "application_id": PartnerApplication,
    "submission_id": Submission,
    "customer_id": Customer,
    "token_id": ApiToken,
    "deal_id": DealRegistration,
    "upload_id": SalesUpload,
    "course_id": Course,
    "lesson_id": Lesson,
    "question_id": Question,
    "attempt_id": QuizAttempt,
    "certificate_id": Certificate,
    "product_id": Product,
    "product_line_id": ProductLine,
    "run_id": ScoringRun,
    "user_id": "User",
    "message_id": OutboxMessage,
    "region_id": Region,
    "assignment_id": "CoverageAssignment",
    "case_id": SupportCase,
    "file_id": CaseAttachment,
    "complaint_id": CustomerComplaint,
    "survey_id": Survey,
    "survey_question_id": SurveyQuestion,
}
STRING_ARGUMENTS = {
    "token": "not-a-real-token",
    "period": "2020-01",
    "code": "UNKNOWNCODE1",
    "index": 1,
    "priority": "urgent",
}
# Routes whose user is a channel manager: they get partner B's manager rather than partner B's admin.
MANAGER_ROUTES = {"/partners/managers/"}


def _tenant_models() -> set[type]:
    mappers: list[Mapper] = list(db.Model.registry.mappers)
    return {m.class_ for m in mappers if issubclass(m.class_, (PartnerOwned, OptionalPartnerOwned, TenantRoot))}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _build(rule, values) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
    return path


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def test_every_partner_owned_model_has_a_row_maker(db, every_partner):
    rows = partner_owned_rows(make_partner())
    missing = {model.__name__ for model in _tenant_models()} - {model.__name__ for model in rows}
    assert not missing, f"add these models to tests/builders.partner_owned_rows: {sorted(missing)}"


def test_every_route_argument_is_known(app):
    unknown = {name for rule in _routes(app) for name in rule.arguments} - set(ID_ARGUMENTS) - set(STRING_ARGUMENTS)
    assert not unknown, f"tell ID_ARGUMENTS in this test which model these arguments name: {sorted(unknown)}"


@pytest.fixture()
def two_partners(db, every_partner):
    """Partner A in Guangdong with its users and a manager for Guangxi; partner B in Bavaria with one row of
    every partner-owned model."""
    partner_a = make_partner(region="CN-GD")
    partner_b = make_partner(region="DE-BY")
    rows_b = {model.__name__: row for model, row in partner_owned_rows(partner_b).items()}
    intruders = {
        "partner_user": make_user(partner_a, role=Role.PARTNER_USER),
        "partner_admin": make_user(partner_a, role=Role.PARTNER_ADMIN),
        "manager_elsewhere": make_user(role=Role.CHANNEL_MANAGER, regions=("CN",)),
    }
    owner = make_user(partner_b, role=Role.PARTNER_ADMIN)
    rows_b["Manager"] = make_user(role=Role.CHANNEL_MANAGER, regions=("DE",))
    return rows_b, intruders, owner


def _values_for(rule, rows_b):
    values = {}
    for name in rule.arguments:
        if name in STRING_ARGUMENTS:
            values[name] = STRING_ARGUMENTS[name]
            continue
        model = ID_ARGUMENTS[name]
        model_name = model if isinstance(model, str) else model.__name__
        if model_name == "User" and any(rule.rule.startswith(prefix) for prefix in MANAGER_ROUTES):
            values[name] = rows_b["Manager"].id
        elif model_name in rows_b:
            values[name] = rows_b[model_name].id
        elif model is Region:
            values[name] = rows_b["Partner"].region_id
        else:
            values[name] = 1
    return values


@pytest.mark.parametrize("intruder", ["partner_user", "partner_admin", "manager_elsewhere"])
def test_routes_with_partner_b_ids_answer_404_to_others(app, client, login, two_partners, intruder):
    rows_b, intruders, _owner = two_partners
    user = intruders[intruder]
    login(user)
    checked = []
    for rule in _routes(app):
        touches_b = any(
            (m if isinstance(m, str) else m.__name__) in rows_b
            for m in (ID_ARGUMENTS.get(name) for name in rule.arguments)
            if m is not None
        )
        if not touches_b:
            continue
        url = _build(rule, _values_for(rule, rows_b))
        response = client.open(url, method=_method(rule))
        roles = getattr(app.view_functions[rule.endpoint], "required_roles", None)
        allowed = roles is None or user.role in roles
        expected = {404} if allowed else {403, 404}
        assert response.status_code in expected, f"{intruder} {_method(rule)} {url} gave {response.status_code}"
        checked.append(url)
    assert checked, "no route carries a partner-owned id: the walk tested nothing"


def _touches_b(rule, rows_b) -> bool:
    return any(
        (m if isinstance(m, str) else m.__name__) in rows_b
        for m in (ID_ARGUMENTS.get(name) for name in rule.arguments)
        if m is not None
    )


def test_the_owner_reaches_every_route_with_its_rows(app, client, login, two_partners, every_partner):
    """The walk is not vacuous: every route that answers 404 to strangers answers its owner. The owner is the
    partner's admin who made the rows; for brand pages, a channel manager of the partner's region. GETs go
    first, then the POSTs (which may change the rows), each once."""
    rows_b, _intruders, _owner = two_partners
    owners = [
        rows_b["User"],
        make_user(rows_b["Partner"], role=Role.PARTNER_USER),
        rows_b["Manager"],
        make_user(role=Role.ADMIN),
    ]
    rules = sorted(
        (rule for rule in _routes(app) if _touches_b(rule, rows_b)),
        key=lambda rule: (_method(rule) != "GET", rule.rule),
    )
    failures = []
    for rule in rules:
        roles = getattr(app.view_functions[rule.endpoint], "required_roles", None)
        owner = next(user for user in owners if roles is None or user.role in roles)
        login(owner)
        url = _build(rule, _values_for(rule, rows_b))
        response = client.open(url, method=_method(rule))
        if response.status_code in (404, 500):
            failures.append(f"{owner.role.value} {_method(rule)} {url} gave {response.status_code}")
    assert len(rules) > 30 and not failures, failures
    assert rows_b["Partner"].legal_name in client.get(f"/partners/{rows_b['Partner'].id}").get_data(as_text=True)


def test_every_non_public_route_sends_anonymous_visitors_to_login(app, client):
    for rule in _routes(app):
        view = app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False):
            continue
        values = {name: STRING_ARGUMENTS.get(name, 1) for name in rule.arguments}
        response = client.open(_build(rule, values), method=_method(rule))
        assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule
