"""The public door: the application form anyone may send is limited per address and per contact email, keeps
what was typed when it refuses, and mails one address at most once per window whatever was typed."""

from __future__ import annotations

from sqlalchemy import func, select

from partners.models import PartnerApplication
from portal import tenancy
from portal.mail import OutboxMessage
from tests.builders import make_product_line
from tests.partners.test_onboarding_views import APPLICATION


def _apply(client, number: int, *, address: str = "203.0.113.7", **fields):
    """A distinct application (its own company), from `address`."""
    data = {**APPLICATION, "legal_name": f"广州南方五金贸易有限公司{number}", **fields}
    return client.post("/partners/apply", data=data, environ_base={"REMOTE_ADDR": address})


def _stored(db, model, *where) -> int:
    with tenancy.every_partner(db.session(), reason="counting what the public form stored"):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_one_address_may_send_ten_applications_an_hour_and_is_told_to_wait_with_its_form_kept(client, db):
    make_product_line("PWR")
    statuses = [_apply(client, n, contact_email=f"buyer{n}@example.com").status_code for n in range(10)]
    assert statuses == [303] * 10
    refused = _apply(client, 10, contact_email="buyer10@example.com")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many applications from here" in page and "minutes" in page
    assert 'value="广州南方五金贸易有限公司10"' in page  # nothing typed is lost
    assert _stored(db, PartnerApplication) == 10
    assert _apply(client, 11, address="198.51.100.9", contact_email="buyer11@example.com").status_code == 303


def test_one_contact_email_may_be_used_three_times_an_hour_from_any_address(client, db):
    make_product_line("PWR")
    answers = [_apply(client, n, address=f"198.51.100.{n}").status_code for n in range(4)]
    assert answers == [303, 303, 303, 429]


def test_an_address_typed_into_the_form_is_mailed_once_an_hour_at_most(client, db):
    make_product_line("PWR")
    for n in range(3):
        assert _apply(client, n, address=f"192.0.2.{n}", contact_email="victim@example.com").status_code == 303
    assert _stored(db, OutboxMessage, OutboxMessage.recipient == "victim@example.com") == 1
    assert _stored(db, PartnerApplication) == 3  # every application is kept for the admin
