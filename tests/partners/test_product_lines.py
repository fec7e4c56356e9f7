"""Product lines kept by admins (partners/product_lines.py), as a service and through their pages."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from partners.product_lines import ProductLineFields, product_lines, save_product_line
from portal.audit import AuditEntry
from portal.security import PermissionDenied, Role, RuleViolation
from tests.builders import make_product_line, make_user
from tests.hardening.conftest import submission_key_of


@pytest.fixture()
def admin(db, every_partner):
    return make_user(role=Role.ADMIN)


def test_an_admin_creates_renames_and_deactivates_a_line_each_change_audited(db, admin):
    line = save_product_line(ProductLineFields(" m ", "Mountain bikes", "山地车"), actor=admin)
    assert (line.code, line.name_en, line.name_zh, line.is_active) == ("M", "Mountain bikes", "山地车", True)
    save_product_line(ProductLineFields("M", "Mountain", "山地自行车", is_active=False), actor=admin, line=line)
    assert (line.name_zh, line.is_active) == ("山地自行车", False)
    assert product_lines(active_only=True) == [] and product_lines() == [line]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == line.id).order_by(AuditEntry.id))
    assert [entry.action for entry in entries] == ["create", "update"]


def test_a_line_code_is_unique_whatever_its_case_and_well_formed(db, admin):
    make_product_line("IND")
    with pytest.raises(RuleViolation) as taken:
        save_product_line(ProductLineFields("ind", "Other", "其他"), actor=admin)
    assert taken.value.field == "code" and "exists already" in str(taken.value.message)
    for code in ("", "TWO WORDS", "X" * 33, "线"):
        with pytest.raises(RuleViolation):
            save_product_line(ProductLineFields(code, "Line", "线"), actor=admin)


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN])
def test_only_an_admin_keeps_product_lines(db, every_partner, role):
    with pytest.raises(PermissionDenied):
        save_product_line(ProductLineFields("M", "M", "M"), actor=make_user(role=role))


def test_the_pages_create_a_line_keep_what_was_typed_when_refused_and_list_it(db, client, login, admin):
    make_product_line("IND")
    login(admin)
    form = client.get("/partners/product-lines/new")
    assert form.status_code == 200
    refused = client.post(
        "/partners/product-lines/new",
        data={
            "code": "ind",
            "name_en": "Industrial again",
            "name_zh": "工业",
            "submission_key": submission_key_of(form.text),
        },
    )
    assert refused.status_code == 422
    assert "exists already" in refused.text and "Industrial again" in refused.text
    form = client.get("/partners/product-lines/new")
    saved = client.post(
        "/partners/product-lines/new",
        data={
            "code": "t",
            "name_en": "Touring",
            "name_zh": "旅行车",
            "is_active": "y",
            "submission_key": submission_key_of(form.text),
        },
    )
    assert saved.status_code == 303
    listed = client.get("/partners/product-lines")
    assert "Touring" in listed.text and "旅行车" in listed.text


def test_a_channel_manager_reads_the_lines_but_may_not_edit_them(db, client, login, every_partner):
    line = make_product_line("IND")
    login(make_user(role=Role.CHANNEL_MANAGER))
    assert client.get("/partners/product-lines").status_code == 200
    assert client.get(f"/partners/product-lines/{line.id}/edit").status_code == 403


def test_the_product_import_page_creates_the_lines_it_is_told_to_and_says_which(db, client, login, admin):
    login(admin)
    content = "sku,name_en,name_zh,product_line,unit,list_price\nBK-M1,Mountain-100,山地车,M,each,3399.99\n"
    page = client.get("/orders/catalog/import")
    assert "Create product lines named in the file" in page.text
    sent = client.post(
        "/orders/catalog/import",
        data={
            "file": (io.BytesIO(content.encode()), "products.csv"),
            "create_lines": "y",
            "submission_key": submission_key_of(page.text),
        },
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "Product lines created: M." in sent.text
    assert [line.code for line in product_lines()] == ["M"]
