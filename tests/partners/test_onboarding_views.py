"""Onboarding pages through the test client: applying, the review queue, the agreement, profile, import."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from partners.models import ApplicationStatus, PartnerApplication
from portal.security import Role
from tests.builders import make_agreement, make_application, make_partner, make_product_line, make_user

APPLICATION = {
    "legal_name": "广州南方五金贸易有限公司",
    "partner_type": "distributor",
    "country": "CN",
    "subdivision": "CN-GD",
    "city": "CN-440100",
    "city_text": "",
    "regions_applied": ["CN-GD"],
    "registration_number": "91440101MA59UXJ41U",
    "contact_name": "刘洋",
    "contact_email": "liu@nanfang.example",
    "contact_phone": "+86 20 8888 0000",
    "consent": "y",
}


def test_anyone_can_apply_and_the_application_waits_for_review(client, db):
    make_product_line("PWR")
    response = client.post("/partners/apply", data=APPLICATION)
    assert response.status_code == 303 and response.headers["Location"].endswith("/partners/apply/received")
    from portal import tenancy

    with tenancy.every_partner(db.session(), reason="test check"):
        application = db.session.scalars(select(PartnerApplication)).one()
    assert application.status is ApplicationStatus.SUBMITTED and application.region.code == "CN-440100"


def test_a_wrong_credit_code_is_said_next_to_the_field_and_input_is_kept(client, db):
    response = client.post("/partners/apply", data={**APPLICATION, "registration_number": "91440101MA59UXJ41D"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="registration_number-error"' in page and "last character does not match" in page
    assert 'value="广州南方五金贸易有限公司"' in page and 'value="91440101MA59UXJ41D"' in page
    assert '<option selected value="CN-440100">' in page or 'value="CN-440100" selected' in page


def test_missing_consent_and_fields_are_reported(client, db):
    response = client.post("/partners/apply", data={"legal_name": "x" * 300, "country": "CN"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The application needs your consent." in page and "Use at most 200 characters." in page


def test_sending_the_same_application_twice_says_so(client, db):
    client.post("/partners/apply", data=APPLICATION)
    response = client.post("/partners/apply", data=APPLICATION, follow_redirects=True)
    assert "We have this application already" in response.get_data(as_text=True)


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def test_review_queue_shows_duplicates_first_and_approves_with_htmx(client, login, admin, db):
    make_partner(name="深圳华南电子分销有限公司", code="P-GD-9")
    plain = make_application(name="Plain Co")
    flagged = make_application(name="深圳华南电子分销股份有限公司")
    flagged.duplicate_note = "P-GD-9 深圳华南电子分销有限公司"
    db.session.flush()
    login(admin)
    page = client.get("/partners/applications").get_data(as_text=True)
    assert page.index(f"application-{flagged.id}") < page.index(f"application-{plain.id}")
    assert "Possible duplicate" in page
    response = client.post(f"/partners/applications/{plain.id}/approve", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert f'id="application-{plain.id}"' in fragment and "Approved" in fragment and "P-CN-" in fragment


def test_rejecting_without_a_reason_keeps_the_application_open(client, login, admin):
    application = make_application()
    login(admin)
    response = client.post(
        f"/partners/applications/{application.id}/reject", data={"note": ""}, headers={"HX-Request": "true"}
    )
    assert "Say why the application is rejected." in response.get_data(as_text=True)
    response = client.post(f"/partners/applications/{application.id}/reject", data={"note": "No coverage"})
    assert response.status_code == 303


def test_the_applicant_answers_a_question_through_the_mailed_link(client, login, admin, db):
    from partners.onboarding import application_token

    application = make_application(name="Vague Co", region="US-WA")
    login(admin)
    client.post(f"/partners/applications/{application.id}/request-info", data={"note": "Which states?"})
    client.post("/logout")
    token = application_token(application)
    page = client.get(f"/partners/apply/{token}").get_data(as_text=True)
    assert "Which states?" in page and 'value="Vague Co"' in page
    response = client.post(
        f"/partners/apply/{token}",
        data={
            **APPLICATION,
            "legal_name": "Vague Co",
            "country": "US",
            "subdivision": "US-WA",
            "city": "",
            "regions_applied": ["US-WA", "US-OR"],
            "registration_number": "EIN 1",
        },
    )
    assert response.status_code == 303
    assert client.get(f"/partners/apply/{token}").status_code == 400


def test_partner_admin_accepts_the_agreement_and_the_checklist_ticks(client, login, db, every_partner):
    agreement = make_agreement("2026.9")
    partner = make_partner()
    partner_admin = make_user(partner, role=Role.PARTNER_ADMIN)
    login(partner_admin)
    assert "Accept the partner agreement" in client.get("/").get_data(as_text=True)
    response = client.post("/partners/agreement", data={"agreement_version": agreement.version})
    assert response.status_code == 303
    page = client.get("/partners/agreement").get_data(as_text=True)
    assert f"Accepted by {partner_admin.name}" in page
    home = client.get("/").get_data(as_text=True)
    assert 'class="done" data-step="agreement"' in home


@pytest.mark.parametrize(
    "role, links",
    [
        (
            Role.PARTNER_ADMIN,
            {
                "agreement": "/partners/agreement",
                "profile": "/partners/profile",
                "colleague": "/users/invite",
                "training": "/training/",
                "sales_report": "/orders/report",
            },
        ),
        (
            Role.PARTNER_USER,
            {"agreement": "/partners/agreement", "training": "/training/", "sales_report": "/orders/report"},
        ),
    ],
)
def test_every_open_checklist_step_links_to_where_it_is_done(client, login, db, every_partner, role, links):
    """Training and the first sales report once had no link."""
    import re

    login(make_user(make_partner(), role=role))
    home = client.get("/").get_data(as_text=True)
    found = dict(re.findall(r'data-step="(\w+)">\s*<span[^>]*>[^<]*</span>\s*<a href="([^"]+)"', home))
    assert found == links


def test_accepting_an_outdated_version_accepts_nothing(client, login, db, every_partner):
    make_agreement("2026.1")
    make_agreement("2026.2")
    partner_admin = make_user(make_partner(), role=Role.PARTNER_ADMIN)
    login(partner_admin)
    response = client.post("/partners/agreement", data={"agreement_version": "2026.1"}, follow_redirects=True)
    assert "The agreement changed while you were reading it." in response.get_data(as_text=True)


def test_partner_user_reads_but_does_not_accept(client, login, db, every_partner):
    make_agreement()
    login(make_user(make_partner(), role=Role.PARTNER_USER))
    assert client.get("/partners/agreement").status_code == 200
    assert client.post("/partners/agreement", data={"agreement_version": "x"}).status_code == 403


def test_profile_form_checks_the_credit_code(client, login, db, every_partner):
    line = make_product_line()
    partner_admin = make_user(make_partner(region="CN-GD"), role=Role.PARTNER_ADMIN)
    login(partner_admin)
    bad = client.post(
        "/partners/profile",
        data={"registration_number": "123", "address": "广州", "phone": "1", "product_lines": [line.id]},
    )
    assert bad.status_code == 422 and "18 characters" in bad.get_data(as_text=True)
    good = client.post(
        "/partners/profile",
        data={"registration_number": "9144030071526726XG", "address": "广州", "phone": "1", "product_lines": [line.id]},
    )
    assert good.status_code == 303


def test_import_page_lists_errors_by_row_and_column(client, login, admin):
    login(admin)
    csv = b"partner_code,name,type,country\nP-1,A Co,agent,Narnia\n"
    response = client.post(
        "/partners/import", data={"file": (io.BytesIO(csv), "partners.csv")}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page
    assert '<td>2</td><td translate="no">country</td>' in page


def test_import_page_imports_a_good_file(client, login, admin):
    login(admin)
    csv = b"partner_code,name,type,country\nP-1,A Co,agent,JP\n"
    response = client.post(
        "/partners/import",
        data={"file": (io.BytesIO(csv), "partners.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "1 partners created" in response.get_data(as_text=True)


def test_import_without_a_file_says_so(client, login, admin):
    login(admin)
    response = client.post("/partners/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file." in response.get_data(as_text=True)


def test_import_template_is_a_workbook_in_the_users_language(client, login, admin):
    from openpyxl import load_workbook

    login(admin)
    response = client.get("/partners/import/template.xlsx")  # the admin's language is English
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [cell.value for cell in sheet[1]][:2] == ["partner_code", "name"]


def test_directory_filters_by_region_including_regions_below(client, login, admin):
    make_partner(name="Shenzhen Co", region="CN-440300")
    make_partner(name="Seattle Co", region="US-WA")
    login(admin)
    page = client.get("/partners/?region=CN-GD").get_data(as_text=True)
    assert "Shenzhen Co" in page and "Seattle Co" not in page


def test_directory_paginates(client, login, admin):
    for n in range(55):
        make_partner(name=f"Paged {n:02d} Co", code=f"PG-{n:02d}")
    login(admin)
    first = client.get("/partners/?q=paged&sort=code").get_data(as_text=True)
    assert "55 partners" in first and "Page 1 of 2" in first and "PG-49" in first and "PG-50" not in first
    second = client.get("/partners/?q=paged&sort=code&page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "PG-50" in second and "PG-00" not in second


@pytest.mark.parametrize("tab", ["", "open", "submitted", "approved", "rejected", "info_requested", "404", "x"])
def test_every_tab_of_the_review_queue_answers_200(client, login, admin, tab):
    """The tab's name once reached render() as the HTTP status: '0 open' was a 500 under gunicorn, and
    ?status=404 answered 404. An unknown tab shows the open applications."""
    make_application(name="Tab Co")
    login(admin)
    response = client.get(f"/partners/applications?status={tab}")
    assert response.status_code == 200 and response.status == "200 OK"
    fragment = client.get(f"/partners/applications?status={tab}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'aria-current="page"' in fragment.get_data(as_text=True)
