"""Cases: the partner's list and the brand's queue, opening a case, its page and the steps taken on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import abort, current_app, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from wtforms import SelectField

from portal.database import utcnow
from portal.extensions import db
from portal.forms import options, refusals_shown
from portal.htmx import redirect_after_post, render
from portal.paging import page_number
from portal.security import PARTNER_ROLES, require_role
from service import cases
from service.analysis import Drill
from service.attachments import CheckedFile, check_file
from service.forms import (
    AssignForm,
    CaseForm,
    DeleteCaseForm,
    NoteForm,
    QueueFilterForm,
    ReopenForm,
    ReplyForm,
    StatusForm,
)
from service.models import (
    CASE_CATEGORY_LABELS,
    CASE_PRIORITY_LABELS,
    CASE_STATUS_LABELS,
    CaseAttachment,
    CaseCategory,
    CasePriority,
    SupportCase,
)
from service.views import bp


def _checked_files(uploads: list[FileStorage] | None) -> list[CheckedFile]:
    """The uploaded files, read up to one byte over the limit (so a larger one is refused without reading it
    whole) and checked by their bytes."""
    limit = current_app.config["CASE_ATTACHMENT_MAX_BYTES"]
    return [
        check_file(upload.filename or "", upload.stream.read(limit + 1), max_bytes=limit)
        for upload in uploads or []
        if upload and upload.filename
    ]


def _filters() -> tuple[QueueFilterForm, cases.QueueCriteria]:
    form = QueueFilterForm(request.args)

    allowed: dict[str, set[str]] = {}

    def offer(field: SelectField, first: list[tuple[str, str]], labels: dict | None = None) -> None:
        pairs = first + [(member.value, str(label)) for member, label in (labels or {}).items()]
        field.choices = options(pairs)
        allowed[field.name] = {value for value, _label in pairs}

    offer(form.status, [("open", _("Open")), ("all", _("All statuses"))], CASE_STATUS_LABELS)
    offer(form.priority, [("", _("Every priority"))], CASE_PRIORITY_LABELS)
    offer(form.category, [("", _("Every category"))], CASE_CATEGORY_LABELS)
    offer(form.assignee, [("", _("Anyone")), ("me", _("Me")), ("nobody", _("Nobody yet"))])
    offer(form.sla, [("", _("Any")), ("breached", _("Breached")), ("at_risk", _("About to breach"))])
    offer(form.sort, [("due", _("Next due first")), ("priority", _("Priority")), ("newest", _("Newest first"))])

    def valid(field: SelectField) -> str:
        return field.data if field.data in allowed[field.name] else ""

    return form, cases.QueueCriteria(
        status=valid(form.status) or "open",
        priority=CasePriority(valid(form.priority)) if valid(form.priority) else None,
        category=CaseCategory(valid(form.category)) if valid(form.category) else None,
        assignee=valid(form.assignee),
        sla=valid(form.sla),
        partner_id=request.args.get("partner", type=int),
        sort=valid(form.sort) or "due",
        drill=Drill.from_args(request.args),
    )


@bp.get("/cases")
def case_list() -> ResponseReturnValue:
    """A partner's own cases, or the brand's queue of the partners its staff see (the tenancy scope decides)."""
    filters, criteria = _filters()
    page = cases.case_queue(criteria, actor=current_user, page=page_number(request.args.get("page")))
    return render(
        "service/cases.html",
        fragment="case_rows",
        filters=filters,
        cases=page.items,
        page=page,
        now=utcnow(),
        sla_state=cases.sla_state,
        may_open_case=cases.may_open_case(current_user),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@require_role(*PARTNER_ROLES)
def open_case() -> ResponseReturnValue:
    form = CaseForm()
    if form.validate_on_submit():
        with refusals_shown(form, "subject") as outcome:
            product, customer = cases.references(
                form.sku.data or "", form.customer_code.data or "", partner_id=current_user.partner_id
            )
            row = cases.open_case(
                cases.CaseFields(
                    category=CaseCategory(form.category.data),
                    priority=CasePriority(form.priority.data),
                    subject=form.subject.data or "",
                    description=form.description.data or "",
                    product=product,
                    order_no=form.order_no.data or "",
                    customer=customer,
                ),
                actor=current_user,
                files=_checked_files(form.files.data),
            )
        if not outcome.refused:
            db.session.commit()
            due = format_datetime(row.response_due_at, "yyyy-MM-dd HH:mm ZZZZ")
            flash(_("Case %(ref)s is open. The first answer is due by %(due)s.", ref=row.reference, due=due), "success")
            return redirect_after_post(url_for("service.case", case_id=row.id))
    return render("service/case_form.html", form=form, status=422 if form.is_submitted() else 200)


def _case_page(row: SupportCase, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The case as the actor may see it, with the forms the actor may use (a refused one keeps what was typed)."""
    actor = current_user
    assign = forms.get("assign_form") or AssignForm(assignee_id=row.assignee_id or 0)
    assign.assignee_id.choices = options([(0, _("Nobody"))] + [(u.id, u.name) for u in cases.assignable_staff(row)])
    status_form = forms.get("status_form") or StatusForm()
    status_form.status.choices = options((s.value, s.label) for s in cases.next_statuses(actor, row))
    return render(
        "service/case.html",
        case=row,
        entries=cases.visible_entries(row, actor),
        files=cases.case_files(row, actor),
        sla=cases.sla_state(row),
        reply_form=forms.get("reply_form") or ReplyForm(formdata=None),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        reopen_form=forms.get("reopen_form") or ReopenForm(formdata=None),
        status_form=status_form,
        assign_form=assign,
        may_work=cases.may_work(actor, row),
        may_reply=cases.may_reply(actor, row),
        may_reopen=cases.may_reopen(actor, row),
        may_delete=cases.may_delete(actor),
        delete_form=forms.get("delete_form") or DeleteCaseForm(formdata=None),
        status=status,
    )


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> ResponseReturnValue:
    return _case_page(db.get_or_404(SupportCase, case_id))


def _step(
    row: SupportCase, form: Any, *, name: str, field: str, act: Callable[[], object], done: Callable[[], str]
) -> ResponseReturnValue:
    """A step taken on a case through one of its forms: when it is done, the case again with `done()` said; when
    it is refused, the case page with that form's errors next to its fields (422)."""
    if form.validate_on_submit():
        with refusals_shown(form, field) as outcome:
            act()
        if not outcome.refused:
            db.session.commit()
            flash(done(), "success")
            return redirect_after_post(url_for("service.case", case_id=row.id, _anchor="history"))
    return _case_page(row, status=422, **{name: form})


def _worked_case(case_id: int) -> SupportCase:
    """A case for a staff-only step: 403 to anyone who may not work it (the partner's own users)."""
    row = db.get_or_404(SupportCase, case_id)
    if not cases.may_work(current_user, row):
        abort(403)
    return row


@bp.post("/cases/<int:case_id>/reply")
def reply(case_id: int) -> ResponseReturnValue:
    row, form = db.get_or_404(SupportCase, case_id), ReplyForm()
    return _step(
        row,
        form,
        name="reply_form",
        field="body",
        act=lambda: cases.reply_to_case(
            row, form.body.data or "", actor=current_user, files=_checked_files(form.files.data)
        ),
        done=lambda: _("Your reply is sent."),
    )


@bp.post("/cases/<int:case_id>/note")
def note(case_id: int) -> ResponseReturnValue:
    row, form = _worked_case(case_id), NoteForm()
    return _step(
        row,
        form,
        name="note_form",
        field="body",
        act=lambda: cases.add_note(row, form.body.data or "", actor=current_user),
        done=lambda: _("The note is kept."),
    )


@bp.post("/cases/<int:case_id>/status")
def change_status(case_id: int) -> ResponseReturnValue:
    row, form = _worked_case(case_id), StatusForm()
    form.status.choices = options((s.value, s.label) for s in cases.next_statuses(current_user, row))
    return _step(
        row,
        form,
        name="status_form",
        field="status",
        act=lambda: cases.change_status(row, cases.CaseStatus(form.status.data), actor=current_user),
        done=lambda: _("The case is now %(status)s.", status=row.status.label),
    )


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int) -> ResponseReturnValue:
    row, form = _worked_case(case_id), AssignForm()
    staff = {user.id: user for user in cases.assignable_staff(row)}
    form.assignee_id.choices = options([(0, _("Nobody"))] + [(user_id, user.name) for user_id, user in staff.items()])
    return _step(
        row,
        form,
        name="assign_form",
        field="assignee_id",
        act=lambda: cases.assign_case(row, staff.get(form.assignee_id.data or 0), actor=current_user),
        done=lambda: _("The case is assigned."),
    )


@bp.post("/cases/<int:case_id>/reopen")
def reopen(case_id: int) -> ResponseReturnValue:
    row, form = db.get_or_404(SupportCase, case_id), ReopenForm()
    return _step(
        row,
        form,
        name="reopen_form",
        field="body",
        act=lambda: cases.reopen_case(row, form.body.data or "", actor=current_user),
        done=lambda: _("The case is open again."),
    )


@bp.post("/cases/<int:case_id>/delete")
def delete(case_id: int) -> ResponseReturnValue:
    row = db.get_or_404(SupportCase, case_id)
    if not cases.may_delete(current_user):
        abort(403)
    form = DeleteCaseForm()
    if form.validate_on_submit():
        with refusals_shown(form, "reason") as outcome:
            reference = row.reference
            cases.delete_case(row, actor=current_user, reason=form.reason.data or "")
        if not outcome.refused:
            db.session.commit()
            flash(_("Case %(ref)s is deleted, with its files.", ref=reference), "success")
            return redirect_after_post(url_for("service.case_list"))
    return _case_page(row, status=422, delete_form=form)


@bp.get("/cases/<int:case_id>/files/<int:file_id>")
def attachment(case_id: int, file_id: int) -> ResponseReturnValue:
    """Always a download with the type the bytes showed, never a page the browser renders."""
    row = db.get_or_404(SupportCase, case_id)
    file = next((f for f in cases.case_files(row, current_user) if f.id == file_id), None)
    if file is None:
        abort(404)
    stored = db.get_or_404(CaseAttachment, file.id)
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in stored.filename)
    response = current_app.response_class(stored.content, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quote(stored.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
