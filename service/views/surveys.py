"""Surveys: the admin's builder, sending and closing, the results (page, PDF, free-text export), a partner's
links for its customers, and the answer page that a personal link opens without a login."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask import Response, abort, flash, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import charts
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.forms import given, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.i18n import pick, read_as
from portal.paging import page_number, paginate
from portal.pdf import render_pdf
from portal.security import BRAND_ROLES, PARTNER_ROLES, Role, RuleViolation, public, require_role
from service import survey_results, surveys
from service.analysis import Drill
from service.forms import AnswerForm, CustomerLinkForm, QuestionForm, SurveyForm
from service.models import (
    SURVEY_AUDIENCE_LABELS,
    SURVEY_STATUS_LABELS,
    QuestionKind,
    Survey,
    SurveyAudience,
    SurveyQuestion,
)
from service.views import bp


@bp.get("/surveys")
def survey_list() -> ResponseReturnValue:
    if current_user.role in PARTNER_ROLES:
        return render(
            "service/my_surveys.html",
            invitations=surveys.my_invitations(current_user),
            link_surveys=surveys.link_surveys(current_user),
            answer_url=surveys.answer_url,
        )
    page = paginate(surveys.surveys_query(), page=page_number(request.args.get("page")), per_page=50)
    invited, answered = survey_results.survey_counts([row.id for row in page.items])
    return render(
        "service/surveys.html",
        surveys=page.items,
        page=page,
        invited=invited,
        answered=answered,
        percent=survey_results.percent,
        audiences=SURVEY_AUDIENCE_LABELS,
        statuses=SURVEY_STATUS_LABELS,
        may_manage=surveys.may_manage_surveys(current_user),
    )


def _survey_form(form: SurveyForm) -> SurveyForm:
    choices = surveys.filter_choices()
    form.region_ids.choices = choices["regions"]
    form.product_line_ids.choices = choices["product_lines"]
    return form


def _fields(form: SurveyForm) -> surveys.SurveyFields:
    return surveys.SurveyFields(
        title_en=form.title_en.data or "",
        title_zh=form.title_zh.data or "",
        intro_en=form.intro_en.data or "",
        intro_zh=form.intro_zh.data or "",
        audience=SurveyAudience(form.audience.data),
        valid_days=given(form.valid_days.data),
        partner_types=list(form.partner_types.data or []),
        tiers=list(form.tiers.data or []),
        region_ids=list(form.region_ids.data or []),
        product_line_ids=list(form.product_line_ids.data or []),
    )


@bp.get("/surveys/responses")
@require_role(*BRAND_ROLES)
def survey_responses() -> ResponseReturnValue:
    """The responses a scorecard's partner NPS or end-customer CSAT counts (?partner_code, audience, first, last),
    for brand staff: a partner's own users would tell their colleagues' answers apart by their times."""
    drill = Drill.from_args(request.args)
    audience = request.args.get("audience", "")
    chosen = SurveyAudience(audience) if audience in {a.value for a in SurveyAudience} else None
    query = survey_results.responses_query(months=drill.months, audience=chosen, partner_code=drill.partner_code)
    page = paginate(query, page=page_number(request.args.get("page")), per_page=50, scalars=False)
    return render(
        "service/survey_responses.html",
        page=page,
        drill=drill,
        audience=chosen,
        figures=survey_results.responses_satisfaction(
            months=drill.months, audience=chosen, partner_code=drill.partner_code
        ),
    )


@bp.route("/surveys/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def new_survey() -> ResponseReturnValue:
    form = _survey_form(SurveyForm())
    if form.validate_on_submit():
        with refusals_shown(form, "title_en") as outcome:
            row = surveys.create_survey(_fields(form), actor=current_user)
        if not outcome.refused:
            db.session.commit()
            flash(_("The survey is saved as a draft. Add its questions."), "success")
            return redirect_after_post(url_for("service.survey", survey_id=row.id))
    return render("service/survey_form.html", form=form, survey=None, status=422 if form.is_submitted() else 200)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_survey(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    if not surveys.may_edit(current_user, row):
        abort(404)
    form = _survey_form(SurveyForm(obj=row) if request.method == "GET" else SurveyForm())
    if request.method == "GET":
        form.audience.data = row.audience.value
    if form.validate_on_submit():
        with refusals_shown(form, "title_en") as outcome:
            surveys.update_survey(row, _fields(form), actor=current_user)
        if not outcome.refused:
            db.session.commit()
            flash(_("Survey saved."), "success")
            return redirect_after_post(url_for("service.survey", survey_id=row.id))
    return render("service/survey_form.html", form=form, survey=row, status=422 if form.is_submitted() else 200)


def _survey_page(row: Survey, question_form: QuestionForm | None = None, *, status: int = 200) -> ResponseReturnValue:
    recipients = None
    if surveys.may_edit(current_user, row):
        recipients = surveys.audience_size(row)
    return render(
        "service/survey.html",
        survey=row,
        question_form=question_form or QuestionForm(formdata=None),
        recipients=recipients,
        may_edit=surveys.may_edit(current_user, row),
        may_send=surveys.may_send(current_user, row),
        may_close=surveys.may_close(current_user, row),
        status=status,
    )


@bp.get("/surveys/<int:survey_id>")
@require_role(*BRAND_ROLES)
def survey(survey_id: int) -> ResponseReturnValue:
    return _survey_page(db.get_or_404(Survey, survey_id))


@bp.post("/surveys/<int:survey_id>/questions")
@require_role(Role.ADMIN)
def add_question(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    form = QuestionForm()
    if form.validate_on_submit():
        with refusals_shown(form, "text_en") as outcome:
            surveys.add_question(
                row,
                surveys.QuestionFields(
                    kind=QuestionKind(form.kind.data),
                    text_en=form.text_en.data or "",
                    text_zh=form.text_zh.data or "",
                    required=bool(form.required.data),
                    choices=form.choices.data or "",
                ),
                actor=current_user,
            )
        if not outcome.refused:
            db.session.commit()
            flash(_("Question added."), "success")
            return redirect_after_post(url_for("service.survey", survey_id=row.id))
    elif form.sent_already:
        return redirect_after_post(url_for("service.survey", survey_id=row.id))
    return _survey_page(row, form, status=422)


@bp.post("/surveys/<int:survey_id>/questions/<int:survey_question_id>/delete")
@require_role(Role.ADMIN)
def remove_question(survey_id: int, survey_question_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    question = db.get_or_404(SurveyQuestion, survey_question_id)
    if question.survey_id != row.id:
        abort(404)
    with refusals_shown(QuestionForm(formdata=None), "text_en") as outcome:
        surveys.remove_question(row, question, actor=current_user)
    if outcome.refused:
        abort(409)
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect_after_post(url_for("service.survey", survey_id=row.id))


@bp.post("/surveys/<int:survey_id>/send")
@require_role(Role.ADMIN)
def send_survey(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    try:
        count = surveys.send_survey(row, actor=current_user)
    except RuleViolation:  # sent already (a second click, two admins at once), or nothing to ask
        db.session.rollback()
        flash(_("This survey was sent already, or has no questions yet."), "error")
        return redirect_after_post(url_for("service.survey", survey_id=row.id))
    db.session.commit()
    flash(_("The survey is open: %(count)d personal links were sent.", count=count), "success")
    return redirect_after_post(url_for("service.survey", survey_id=row.id))


@bp.post("/surveys/<int:survey_id>/close")
@require_role(Role.ADMIN)
def close_survey(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    if surveys.may_close(current_user, row):
        surveys.close_survey(row, actor=current_user)
        db.session.commit()
        flash(_("The survey is closed: its links take no more answers."), "success")
    return redirect_after_post(url_for("service.survey", survey_id=row.id))


BREAKDOWN_SHOWN = 100  # groups on the page and in the PDF; the export holds all


def _results_context(row: Survey, *, for_pdf: bool = False, every_group: bool = False) -> dict[str, Any]:
    by = request.args.get("by", "partner_type")
    by = by if by in survey_results.BREAKDOWNS else "partner_type"
    results = survey_results.survey_results(row)
    labels = [point.month.strftime("%Y-%m") for point in results.trend]
    trend: dict[str, Sequence[Decimal | int | None]] = {}
    if results.figures.nps_answers:
        trend[_("NPS")] = [point.figures.nps for point in results.trend]
    if results.figures.csat_answers:
        trend[_("CSAT × 20")] = [
            None if point.figures.csat is None else point.figures.csat * 20 for point in results.trend
        ]
    csat_counts = results.csat_counts
    return {
        "survey": row,
        "results": results,
        "by": by,
        "breakdowns": survey_results.BREAKDOWNS,
        "breakdown": survey_results.breakdown(row, by, limit=None if every_group else BREAKDOWN_SHOWN),
        "trend_chart": charts.line_chart(
            _("NPS and satisfaction by month"), labels, trend, value_range=(-100, 100), with_style=for_pdf
        )
        if trend
        else None,
        # The PDF draws the satisfaction scores; the page shows them as bars in the question's table, which
        # cost a fraction of a second chart (docs/benchmarks.md).
        "csat_chart": charts.bar_chart(
            _("Satisfaction: answers per score"),
            [label for label, _n in csat_counts],
            {_("Answers"): [n for _label, n in csat_counts]},
            with_style=True,
        )
        if for_pdf and results.figures.csat_answers
        else None,
    }


@bp.get("/surveys/<int:survey_id>/results")
@require_role(*BRAND_ROLES)
def survey_results_page(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    fmt = requested_export()
    context = _results_context(row, every_group=fmt is not None)
    if fmt:
        return table_response(
            fmt,
            f"survey-{row.id}-by-{context['by']}",
            [_("Group"), _("Invited"), _("Responses"), _("Response rate (%)"), _("NPS"), _("CSAT")],
            [
                [r.label, r.invited, r.figures.responses, r.rate, r.figures.nps, r.figures.csat]
                for r in context["breakdown"].rows
            ],
        )
    return render("service/survey_results.html", **context)


@bp.get("/surveys/<int:survey_id>/results.pdf")
@require_role(*BRAND_ROLES)
def survey_results_pdf(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    pdf = render_pdf("service/survey_results_pdf.html", **_results_context(row, for_pdf=True))
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename=survey-{row.id}.pdf"}
    )


@bp.get("/surveys/<int:survey_id>/texts")
@require_role(*BRAND_ROLES)
def survey_texts(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    questions = {q.id: q for q in row.questions}
    if fmt := requested_export():
        return table_response(
            fmt,
            f"survey-{row.id}-texts",
            [_("Answered at"), _("Partner code"), _("Partner"), _("Question"), _("Answer")],
            [
                [at, code, name, pick(questions[qid].text_en, questions[qid].text_zh), text]
                for text, qid, at, code, name in survey_results.text_answers(row)
            ],
        )
    page = paginate(
        survey_results.text_answers_query(row), page=page_number(request.args.get("page")), per_page=50, scalars=False
    )
    return render("service/survey_texts.html", survey=row, page=page, questions=questions)


@bp.route("/surveys/<int:survey_id>/link", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def customer_link(survey_id: int) -> ResponseReturnValue:
    row = db.get_or_404(Survey, survey_id)
    if not surveys.may_hand_out_links(current_user, row):
        abort(404)
    form = CustomerLinkForm()
    link = None
    if form.validate_on_submit():
        with refusals_shown(form, "customer_code") as outcome:
            link = surveys.hand_out_link(row, form.customer_code.data or "", actor=current_user)
        if not outcome.refused:
            db.session.commit()
    status = 422 if form.is_submitted() and link is None else 200
    return render("service/customer_link.html", survey=row, form=form, link=link, status=status)


@bp.route("/surveys/<int:survey_id>/answer/<token>", methods=["GET", "POST"])
@public
def answer_survey(survey_id: int, token: str) -> ResponseReturnValue:
    try:
        invitation = surveys.invitation_for(survey_id, token)
    except surveys.TokenRefused as refused:
        return render("service/survey_refused.html", message=refused.message, status=refused.status)
    read_as(session.get("locale") or invitation.locale)  # a language picked on the page wins over the invitation's
    row = invitation.survey
    form = AnswerForm()
    errors: dict[str, object] = {}
    if form.validate_on_submit():
        values = {name: request.form.getlist(name) for name in request.form if name.startswith("q")}
        _answers, errors = surveys.checked_answers(row, values)
        if not errors:
            try:
                surveys.record_response(invitation, values)
            except surveys.TokenRefused as refused:
                db.session.rollback()
                return render("service/survey_refused.html", message=refused.message, status=refused.status)
            db.session.commit()
            return render("service/survey_thanks.html", survey=row)
    elif form.is_submitted():
        errors = {"": _("The form has expired. Send your answers again.")}
    return render(
        "service/survey_answer.html",
        survey=row,
        form=form,
        errors=errors,
        sent=request.form if form.is_submitted() else {},
        status=422 if form.is_submitted() else 200,
    )
