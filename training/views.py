"""Training pages: courses and lessons, the quiz, certificates and their public verification, course authoring."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from partners.models import OnboardingStep
from partners.product_lines import product_lines
from partners.views import StepPage
from portal.extensions import db
from portal.forms import options, refusals_shown
from portal.home import HomePanel
from portal.htmx import redirect_after_post, render
from portal.paging import page_number, page_of, paginate
from portal.pdf import render_pdf
from portal.security import BRAND_ROLES, PARTNER_ROLES, Role, RuleViolation, public, require_role
from training import authoring, services
from training.forms import CourseForm, LessonForm, QuestionForm
from training.models import Certificate, Course, Lesson, Question, QuizAttempt

PER_PAGE = 50
bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")
verify_bp = Blueprint("verify", __name__)


@bp.get("/")
def index():
    if current_user.role in BRAND_ROLES:
        number = page_number(request.args.get("page"))
        completion = page_of(services.completion_by_partner(), page=number, per_page=PER_PAGE)
        holders = paginate(
            services.certificate_holders_query(), page=page_number(request.args.get("holders")), per_page=PER_PAGE
        )
        return render(
            "training/completion.html",
            rows=completion.items,
            completion=completion,
            courses=authoring.list_courses(),
            holders=holders.items,
            holders_page=holders,
        )
    team = services.team_progress(current_user.partner) if current_user.role is Role.PARTNER_ADMIN else []
    return render("training/index.html", states=services.courses_for(current_user), team=team)


def _published_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    if not course.is_published and current_user.role is not Role.ADMIN:
        abort(404)
    return course


@bp.get("/courses/<int:course_id>")
def course(course_id: int):
    row = _published_course(course_id)
    return render("training/course.html", course=row, progress=services.course_progress(current_user, row))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
def lesson(course_id: int, lesson_id: int):
    row = _published_course(course_id)
    item = db.get_or_404(Lesson, lesson_id)
    if item.course_id != row.id:
        abort(404)
    if request.method == "POST":
        services.mark_lesson_done(current_user, item)
        db.session.commit()
        following = next((lesson for lesson in row.lessons if lesson.position > item.position), None)
        if following:
            return redirect_after_post(url_for("training.lesson", course_id=row.id, lesson_id=following.id))
        if services.may_take_quiz(current_user, row):
            flash(_("That was the last lesson. Take the quiz when you are ready."), "success")
        return redirect_after_post(url_for("training.course", course_id=row.id, _anchor="quiz"))
    is_last = item.position == max(lesson.position for lesson in row.lessons)
    return render(
        "training/lesson.html", course=row, lesson=item, body=services.render_lesson(item.body), is_last=is_last
    )


@bp.post("/courses/<int:course_id>/attempts")
@require_role(*PARTNER_ROLES)
def start_attempt(course_id: int):
    row = _published_course(course_id)
    try:
        attempt = services.start_attempt(current_user, row)
    except RuleViolation as error:
        flash(str(error.message), "error")
        return redirect_after_post(url_for("training.course", course_id=row.id))
    db.session.commit()
    return redirect_after_post(url_for("training.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def attempt(attempt_id: int):
    row = db.get_or_404(QuizAttempt, attempt_id)
    if row.user_id != current_user.id:
        abort(404)  # a colleague's attempt is not there for you
    questions = {q.id: q for q in row.course.questions}
    options = {o.id: o for q in row.course.questions for o in q.options}
    layout = [
        (questions[qid], [options[oid] for oid in oids if oid in options])
        for qid, oids in row.layout
        if qid in questions
    ]
    if request.method == "POST":
        answers = {}
        for question, _shown in layout:
            try:
                answers[question.id] = [int(v) for v in request.form.getlist(f"q{question.id}")]
            except ValueError:
                abort(400)
        try:
            services.submit_attempt(row, user=current_user, answers=answers)
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect_after_post(url_for("training.attempt", attempt_id=attempt_id))
        db.session.commit()
        return redirect_after_post(url_for("training.attempt", attempt_id=attempt_id))
    results = None
    if row.submitted_at is not None:  # only now may the right answers reach the browser
        chosen = {int(k): set(v) for k, v in (row.answers or {}).items()}
        results = {
            q.id: services.QuestionResult(q, chosen.get(q.id, set()), {o.id for o in q.options if o.is_correct})
            for q, _shown in layout
        }
    return render(
        "training/attempt.html",
        attempt=row,
        layout=layout,
        results=results,
        certificate=services.current_certificate(current_user.id, row.course_id) if row.passed else None,
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
def certificate_pdf(certificate_id: int):
    row = db.get_or_404(Certificate, certificate_id)
    verify_url = url_for("verify.verify", code=row.code, _external=True)
    qr = segno.make(verify_url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=4, border=0, xmldecl=False, svgns=True)
    svg = Markup(buffer.getvalue().decode())
    pdf = render_pdf("training/certificate_pdf.html", certificate=row, qr_svg=svg, verify_url=verify_url)
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename=certificate-{row.code}.pdf"}
    )


@verify_bp.get("/verify/<code>")
@public
def verify(code: str):
    result = services.verify_certificate(code)
    return render(
        "training/verify.html", result=result, code=code[:32], status=404 if result.state == "unknown" else 200
    )


@bp.route("/admin/courses/new", methods=["GET", "POST"], defaults={"course_id": None})
@bp.route("/admin/courses/<int:course_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_course(course_id: int | None):
    row = db.get_or_404(Course, course_id) if course_id else None
    form = CourseForm(obj=row) if request.method == "GET" else CourseForm()
    form.product_line_id.choices = options([(0, _("None"))] + [(line.id, line.name) for line in product_lines()])
    if request.method == "GET":
        form.product_line_id.data = row.product_line_id if row and row.product_line_id else 0
    if form.validate_on_submit():
        row = authoring.save_course(row, form.data, actor=current_user)
        db.session.commit()
        flash(_("The course is saved."), "success")
        return redirect_after_post(url_for("training.edit_course", course_id=row.id))
    return render("training/edit_course.html", course=row, form=form, status=422 if form.is_submitted() else 200)


@bp.post("/admin/courses/<int:course_id>/publish")
@require_role(Role.ADMIN)
def publish_course(course_id: int):
    row = db.get_or_404(Course, course_id)
    try:
        services.publish_course(row, actor=current_user, published=request.form.get("published") == "1")
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect_after_post(url_for("training.edit_course", course_id=row.id))


@bp.route("/admin/courses/<int:course_id>/lessons/new", methods=["GET", "POST"], defaults={"lesson_id": None})
@bp.route("/admin/courses/<int:course_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_lesson(course_id: int, lesson_id: int | None):
    row = db.get_or_404(Course, course_id)
    item = db.get_or_404(Lesson, lesson_id) if lesson_id else None
    form = LessonForm(obj=item) if request.method == "GET" else LessonForm()
    if form.validate_on_submit():
        authoring.save_lesson(row, item, form.data, actor=current_user)
        db.session.commit()
        flash(_("The lesson is saved."), "success")
        return redirect_after_post(url_for("training.edit_course", course_id=row.id))
    preview = services.render_lesson(form.body_en.data or "") if request.method == "GET" and item else None
    return render(
        "training/edit_lesson.html",
        course=row,
        lesson=item,
        form=form,
        preview=preview,
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/admin/lessons/<int:lesson_id>/move")
@require_role(Role.ADMIN)
def move_lesson(lesson_id: int):
    item = db.get_or_404(Lesson, lesson_id)
    authoring.move_lesson(item, -1 if request.form.get("direction") == "up" else 1, actor=current_user)
    db.session.commit()
    return render(
        "training/edit_course.html", fragment="lesson_list", course=item.course, form=CourseForm(obj=item.course)
    )


@bp.route("/admin/courses/<int:course_id>/questions/new", methods=["GET", "POST"], defaults={"question_id": None})
@bp.route("/admin/courses/<int:course_id>/questions/<int:question_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_question(course_id: int, question_id: int | None):
    row = db.get_or_404(Course, course_id)
    item = db.get_or_404(Question, question_id) if question_id else None
    form = (
        QuestionForm(obj=item, options_text=authoring.options_text(item) if item else "")
        if request.method == "GET"
        else QuestionForm()
    )
    if form.validate_on_submit():
        with refusals_shown(form, "options_text") as outcome:
            authoring.save_question(row, item, form.data, actor=current_user)
        if not outcome.refused:
            db.session.commit()
            flash(_("The question is saved."), "success")
            return redirect_after_post(url_for("training.edit_course", course_id=row.id))
    return render(
        "training/edit_question.html", course=row, question=item, form=form, status=422 if form.is_submitted() else 200
    )


def _training_panel() -> dict:
    return {"states": [s for s in services.courses_for(current_user) if s.required or s.certified]}


HOME_PANELS = [HomePanel("training/_home_training.html", PARTNER_ROLES, _training_panel)]
STEP_PAGES = [StepPage(OnboardingStep.TRAINING, "training.index", PARTNER_ROLES)]
