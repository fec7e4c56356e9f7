"""Partner pages through the test client: directory, detail, creation, standing, manager regions."""

from __future__ import annotations

import pytest

from partners.models import PartnerStatus
from portal.security import Role
from tests.builders import make_partner, make_user


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def test_directory_filters_live_and_returns_rows_only_to_htmx(client, login, admin):
    make_partner(name="Alpha Trading", region="DE-BY")
    make_partner(name="Beta Supply", region="US-WA")
    login(admin)
    page = client.get("/partners/?q=alpha").get_data(as_text=True)
    assert "Alpha Trading" in page and "Beta Supply" not in page and "<html" in page
    fragment = client.get("/partners/?q=beta", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "Beta Supply" in body and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_directory_filters_by_status(client, login, admin):
    make_partner(name="Sleeping Co", status=PartnerStatus.SUSPENDED)
    make_partner(name="Awake Co")
    login(admin)
    page = client.get("/partners/?status=suspended").get_data(as_text=True)
    assert "Sleeping Co" in page and "Awake Co" not in page


def test_admin_creates_a_partner_in_a_foreign_region(client, login, admin):
    login(admin)
    response = client.post(
        "/partners/new",
        data={
            "code": "P-WA-9",
            "legal_name": "Rainier Supply LLC",
            "partner_type": "wholesaler",
            "tier": "registered",
            "country": "US",
            "subdivision": "US-WA",
            "city": "",
            "city_text": "Tacoma",
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rainier Supply LLC" in page and "Washington" in page and "Tacoma" in page


def test_partner_form_errors_keep_the_input(client, login, admin):
    make_partner(code="P-TAKEN")
    login(admin)
    response = client.post(
        "/partners/new",
        data={
            "code": "P-TAKEN",
            "legal_name": "新公司",
            "partner_type": "agent",
            "tier": "registered",
            "country": "CN",
            "subdivision": "US-WA",
            "city": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="新公司"' in page and "Not a valid choice" in page  # a US state is not in China


def test_region_picker_narrows_lists(client, db):
    page = client.get("/partners/regions/picker?country=CN&subdivision=CN-GD").get_data(as_text=True)
    assert "CN-440300" in page and "US-WA" not in page


def test_admin_suspends_a_partner_with_a_reason_and_sees_the_history(client, login, admin):
    partner = make_partner()
    login(admin)
    missing_reason = client.post(
        f"/partners/{partner.id}/standing", data={"status": "suspended", "tier": "gold"}, headers={"HX-Request": "true"}
    )
    assert missing_reason.status_code == 422 and "Fill in this field." in missing_reason.get_data(as_text=True)
    response = client.post(
        f"/partners/{partner.id}/standing", data={"status": "suspended", "tier": "gold", "reason": "Unpaid invoices"}
    )
    assert response.status_code == 303
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Unpaid invoices" in page and "suspended" in page


def test_channel_manager_cannot_change_standing(client, login, db, every_partner):
    partner = make_partner(region="CN-GD")
    login(make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)))
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert 'id="standing-history"' in page and 'id="standing-form"' not in page
    assert client.post(f"/partners/{partner.id}/standing", data={"status": "terminated"}).status_code == 403


def test_admin_assigns_a_region_to_a_manager(client, login, admin):
    manager = make_user(role=Role.CHANNEL_MANAGER, name="Region Manager")
    login(admin)
    response = client.post(
        f"/partners/managers/{manager.id}/regions", data={"country": "CN", "subdivision": "CN-GD", "city": ""}
    )
    assert response.status_code == 303
    assert "Guangdong" in client.get(f"/partners/managers/{manager.id}/regions").get_data(as_text=True)


def test_admin_invites_a_partner_user_from_the_partner_page(client, login, admin):
    partner = make_partner()
    login(admin)
    response = client.post(
        f"/partners/{partner.id}/invite",
        data={"name": "Clerk", "email": "clerk@partner.example", "role": "partner_admin"},
    )
    assert response.status_code == 303
    assert "Clerk" in client.get(f"/partners/{partner.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "role, expected",
    [
        (Role.PARTNER_USER, "Your organisation"),
        (Role.CHANNEL_MANAGER, "Your regions"),
        (Role.ADMIN, "Channel managers"),
    ],
)
def test_each_role_gets_its_home_page(client, login, db, every_partner, role, expected):
    partner = make_partner(region="CN-GD")
    user = make_user(
        partner if role is Role.PARTNER_USER else None,
        role=role,
        regions=("CN-GD",) if role is Role.CHANNEL_MANAGER else (),
    )
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert expected in page
    if role is not Role.ADMIN:
        assert partner.legal_name in page


def test_directory_without_filters_shows_no_errors(client, login, admin):
    make_partner(name="Plain Co")
    login(admin)
    page = client.get("/partners/").get_data(as_text=True)
    assert "Plain Co" in page and "Not a valid choice" not in page and "aria-invalid" not in page


def test_a_partners_own_users_see_their_organisation_without_its_standing_history(client, login, db, every_partner):
    partner = make_partner()
    login(make_user(partner, role=Role.PARTNER_ADMIN))
    page = client.get("/partners/mine").get_data(as_text=True)
    assert partner.legal_name in page and "Edit the company profile" in page
    assert 'id="standing-history"' not in page and 'id="standing-form"' not in page
