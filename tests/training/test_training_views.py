"""Training through the pages: taking the quiz, the certificate PDF, progress for the brand and the partner admin,
and authoring a course."""

from __future__ import annotations

import io

from pypdf import PdfReader

from portal.security import Role
from tests.builders import make_user
from training import services


def test_quiz_page_never_sends_the_right_answers_before_submit(client, login, world):
    login(world["learner"])
    response = client.post(f"/training/courses/{world['course'].id}/attempts")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "✓" not in page and "is_correct" not in page and "Submit the answers" in page


def test_the_quiz_through_the_pages_and_the_certificate_pdf(client, login, world):
    login(world["learner"])
    location = client.post(f"/training/courses/{world['course'].id}/attempts").headers["Location"]
    attempt_id = int(location.rsplit("/", 1)[1])
    single, multiple = world["course"].questions
    form = {
        f"q{single.id}": [str(o.id) for o in single.options if o.is_correct],
        f"q{multiple.id}": [str(o.id) for o in multiple.options if o.is_correct],
    }
    assert client.post(location, data=form).status_code == 303
    result = client.get(location).get_data(as_text=True)
    assert "Passed with 100%" in result
    assert (
        client.post(location, data=form, follow_redirects=True).get_data(as_text=True).count("submitted already") == 1
    )
    assert attempt_id and "Certified until" in client.get("/training/").get_data(as_text=True)


def test_after_the_last_lesson_the_learner_is_sent_to_the_quiz(client, login, world):
    """The last lesson once led back to the course page without a word about the quiz."""
    course = world["course"]
    login(world["learner"])
    first, last = course.lessons
    assert "Done, next" in client.get(f"/training/courses/{course.id}/lessons/{first.id}").get_data(as_text=True)
    assert "on to the quiz" in client.get(f"/training/courses/{course.id}/lessons/{last.id}").get_data(as_text=True)
    client.post(f"/training/courses/{course.id}/lessons/{first.id}")
    response = client.post(f"/training/courses/{course.id}/lessons/{last.id}")
    assert response.headers["Location"].endswith(f"/training/courses/{course.id}#quiz")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Take the quiz when you are ready" in page and 'id="quiz-prompt"' in page and 'id="quiz"' in page


def test_certificate_pdf_carries_name_course_and_code(client, login, db, world):
    certificate = services.issue_certificate(world["learner"], world["course"], None)
    login(world["learner"])
    response = client.get(f"/training/certificates/{certificate.id}.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "张伟" in text and world["course"].title_en in text and certificate.code in text
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Valid" in page and "张伟" in page
    assert client.get("/verify/NOPE").status_code == 404


def test_brand_sees_completion_by_partner(client, login, world):
    services.issue_certificate(world["learner"], world["course"], None)
    login(world["admin"])
    page = client.get("/training/").get_data(as_text=True)
    assert world["partner"].code in page and "50%" in page


def test_partner_admin_sees_the_teams_progress(client, login, world):
    services.issue_certificate(world["learner"], world["course"], None)
    login(make_user(world["partner"], role=Role.PARTNER_ADMIN, name="Team Lead"))
    page = client.get("/training/").get_data(as_text=True)
    assert 'id="team-progress"' in page and "张伟" in page and "☑" in page


def test_brand_sees_who_holds_which_certification(client, login, world):
    certificate = services.issue_certificate(world["learner"], world["course"], None)
    login(world["admin"])
    page = client.get("/training/").get_data(as_text=True)
    title, body = page.split("</title>")
    assert "<table" not in title  # the table once ended up in the <title>, shown as raw HTML
    body = body.split("<main", 1)[1]
    assert 'id="certificate-holders"' in body and certificate.code in body and "张伟" in body


def test_admin_authors_a_course_with_lessons_in_order_and_a_question(client, login, db, world):
    login(world["admin"])
    bad = client.post(
        "/training/admin/courses/new",
        data={
            "title_en": "",
            "title_zh": "课",
            "estimated_minutes": "0",
            "validity_months": "12",
            "pass_mark": "80",
            "max_attempts": "3",
            "product_line_id": "0",
        },
    )
    assert bad.status_code == 422 and "Fill in this field." in bad.get_data(as_text=True)
    response = client.post(
        "/training/admin/courses/new",
        data={
            "title_en": "Safety",
            "title_zh": "安全",
            "summary_en": "",
            "summary_zh": "",
            "estimated_minutes": "10",
            "required_types": ["agent"],
            "validity_months": "12",
            "pass_mark": "80",
            "max_attempts": "3",
            "product_line_id": "0",
        },
    )
    course_url = response.headers["Location"]
    course_id = int(course_url.rsplit("/", 1)[1])
    for title in ("First", "Second"):
        client.post(
            f"/training/admin/courses/{course_id}/lessons/new",
            data={"title_en": title, "title_zh": title, "body_en": "<script>x</script>", "body_zh": ""},
        )
    assert "at least one quiz question" in client.post(
        f"/training/admin/courses/{course_id}/publish", data={"published": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    client.post(
        f"/training/admin/courses/{course_id}/questions/new",
        data={"text_en": "Safe?", "text_zh": "安全？", "options_text": "*Yes | 是\nNo | 否"},
    )
    from training.models import Course

    course = db.session.get(Course, course_id)
    second = course.lessons[1]
    fragment = client.post(
        f"/training/admin/lessons/{second.id}/move", data={"direction": "up"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert fragment.index("Second") < fragment.index("First") and "<html" not in fragment
    client.post(f"/training/admin/courses/{course_id}/publish", data={"published": "1"})
    db.session.refresh(course)
    assert course.is_published and [q.text_en for q in course.questions] == ["Safe?"]
