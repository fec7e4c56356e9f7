"""The cases pages through the test client, CSRF on: opening a case with files, the checks on them, the staff's
steps, what the partner never sees, the queue's filters and the service levels page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.security import Role
from service.models import CaseAttachment, CasePriority, CaseStatus, ServiceLevel, SupportCase, TimeUnit
from tests.builders import PNG, make_case, make_partner, make_user
from tests.hardening.conftest import submission_key_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(region="CN-GD")
    return {
        "clerk": make_user(partner, role=Role.PARTNER_USER),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",)),
        "admin": make_user(role=Role.ADMIN),
    }


def _case_form(client, **files):
    page = client.get("/service/cases/new").get_data(as_text=True)
    data = {
        "submission_key": submission_key_of(page),
        "category": "product_quality",
        "priority": "high",
        "subject": "Cracked housings",
        "description": "Three of ten drills, see https://example.com/photos",
    }
    data["files"] = [(io.BytesIO(content), name) for name, content in files.items()]
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_partner_user_opens_a_case_with_files_and_downloads_them_as_files(client, login, world):
    login(world["clerk"])
    response = client.post(
        "/service/cases/new",
        data=_case_form(client, **{"照片.png": PNG, "invoice.pdf": PDF}),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    row = db.session.scalars(select(SupportCase)).one()
    assert row.priority is CasePriority.HIGH and [a.content_type for a in row.attachments] == [
        "image/png",
        "application/pdf",
    ]
    page = client.get(f"/service/cases/{row.id}").get_data(as_text=True)
    assert "照片.png" in page and 'rel="noopener noreferrer nofollow ugc"' in page
    download = client.get(f"/service/cases/{row.id}/files/{row.attachments[0].id}")
    assert download.data == PNG and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="__.png"')
    assert "filename*=UTF-8''%E7%85%A7%E7%89%87.png" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 200, "is not an image"),  # an executable named as an image
        ("page.csv", b"<html><script>alert(1)</script></html>", "is not an image"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "is not an image"),
        ("empty.pdf", b"", "is empty"),
        ("huge.pdf", PDF + b"0" * 2048, "is larger than"),
    ],
)
def test_a_file_the_bytes_refuse_says_why_next_to_the_field_and_nothing_is_kept(
    app, client, login, world, monkeypatch, name, content, problem
):
    monkeypatch.setitem(app.config, "CASE_ATTACHMENT_MAX_BYTES", 1024)
    login(world["clerk"])
    response = client.post(
        "/service/cases/new", data=_case_form(client, **{name: content}), content_type="multipart/form-data"
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and problem in text and 'id="files-error"' in text
    assert 'value="Cracked housings"' in text  # what was typed stays
    assert (_count(SupportCase), _count(CaseAttachment)) == (0, 0)


def test_the_case_form_sent_twice_opens_one_case(client, login, world):
    login(world["clerk"])
    form = _case_form(client)
    first = client.post("/service/cases/new", data=dict(form), content_type="multipart/form-data")
    second = client.post("/service/cases/new", data=dict(form), content_type="multipart/form-data")
    assert first.status_code == 303 and second.status_code == 422
    assert "This form was sent already" in second.get_data(as_text=True)
    assert _count(SupportCase) == 1


def test_staff_reply_and_note_and_the_partner_sees_the_reply_only(client, login, world):
    row = make_case(world["clerk"], with_file=False)  # with an admin's note about the warehouse
    login(world["manager"])
    page = client.get(f"/service/cases/{row.id}").get_data(as_text=True)
    reply = client.post(
        f"/service/cases/{row.id}/reply",
        data={"body": "Please send the batch number.", "submission_key": submission_key_of(page)},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 303
    assert client.post(f"/service/cases/{row.id}/status", data={"status": "waiting"}).status_code == 303
    login(world["clerk"])
    page = client.get(f"/service/cases/{row.id}").get_data(as_text=True)
    assert "Please send the batch number." in page and "warehouse" not in page and "Internal note" not in page
    assert CaseStatus.WAITING.label in page
    for path, data in (("note", {"body": "x"}), ("status", {"status": "resolved"}), ("assign", {"assignee_id": "0"})):
        assert client.post(f"/service/cases/{row.id}/{path}", data=data).status_code == 403


def test_the_queue_filters_answer_htmx_with_the_rows_only(client, login, world):
    make_case(world["clerk"], subject="Drills", priority=CasePriority.URGENT, with_file=False)
    make_case(world["clerk"], subject="Saws", priority=CasePriority.LOW, with_file=False)
    login(world["manager"])
    full = client.get("/service/cases").get_data(as_text=True)
    assert "Drills" in full and "Saws" in full and "<nav" in full
    part = client.get("/service/cases?priority=urgent", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Drills" in part and "Saws" not in part and "<nav" not in part
    assert "Drills" in client.get("/service/cases?priority=bogus&sla=nonsense").get_data(as_text=True)


def test_an_admin_sets_a_service_level_and_a_wrong_one_is_refused_next_to_its_field(client, login, world):
    login(world["admin"])
    assert "4" in client.get("/service/levels").get_data(as_text=True)
    fields = {"urgent-response_unit": "hours", "urgent-resolution_unit": "days"}
    refused = client.post(
        "/service/levels/urgent", data={**fields, "urgent-response_amount": "3", "urgent-resolution_amount": "0"}
    )
    assert refused.status_code == 422 and "from 1 to 999" in refused.get_data(as_text=True)
    longer = client.post(
        "/service/levels/urgent",
        data={
            "urgent-response_amount": "3",
            "urgent-response_unit": "days",
            "urgent-resolution_amount": "1",
            "urgent-resolution_unit": "days",
        },
    )
    assert longer.status_code == 422 and "cannot take longer" in longer.get_data(as_text=True)
    saved = client.post(
        "/service/levels/urgent", data={**fields, "urgent-response_amount": "2", "urgent-resolution_amount": "1"}
    )
    assert saved.status_code == 303
    level = db.session.scalar(select(ServiceLevel).where(ServiceLevel.priority == CasePriority.URGENT))
    assert (level.response_amount, level.response_unit, level.resolution_amount) == (2, TimeUnit.HOURS, 1)
    login(world["manager"])
    assert client.get("/service/levels").status_code == 403


def test_the_analysis_page_counts_for_brand_staff_and_links_each_count_to_its_rows(client, login, world):
    make_case(world["clerk"], subject="Counted", with_file=False)
    login(world["manager"])
    page = client.get("/service/analysis?by=category").get_data(as_text=True)
    assert "<svg" in page and "/service/cases?" in page and "category=product_quality" in page
    drilled = client.get("/service/cases?status=all&category=product_quality").get_data(as_text=True)
    assert "Counted" in drilled
    login(world["clerk"])
    assert client.get("/service/analysis").status_code == 403


def test_only_an_admin_deletes_a_case_and_says_why(client, login, world):
    url = f"/service/cases/{make_case(world['clerk']).id}"
    login(world["manager"])
    assert client.post(f"{url}/delete", data={"reason": "Mistake"}).status_code == 403
    login(world["admin"])
    assert 'id="delete"' in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/delete", data={"reason": ""})
    assert refused.status_code == 422 and "Fill in this field." in refused.get_data(as_text=True)
    assert client.post(f"{url}/delete", data={"reason": "Sent twice"}).status_code == 303
    assert (_count(SupportCase), _count(CaseAttachment)) == (0, 0)
    assert client.get(url).status_code == 404
