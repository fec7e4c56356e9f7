"""The training tests' world: a distributor with a learner and a colleague, a course with a quiz, an admin."""

from __future__ import annotations

import pytest

from partners.models import PartnerType
from portal.security import Role
from tests.builders import make_course, make_partner, make_user


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(partner_type=PartnerType.DISTRIBUTOR)
    return {
        "partner": partner,
        "learner": make_user(partner, name="张伟"),
        "colleague": make_user(partner),
        "course": make_course(),
        "admin": make_user(role=Role.ADMIN),
    }


def answers_for(attempt, *, right: bool):
    course = attempt.course
    single, multiple = course.questions
    pick = (
        (lambda q: [o.id for o in q.options if o.is_correct])
        if right
        else (lambda q: [o.id for o in q.options if not o.is_correct][:1])
    )
    return {single.id: pick(single), multiple.id: pick(multiple)}
