"""Input shapes for support cases: opening one, replying, notes, status and assignment, the queue's filters and
the service levels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from portal.forms import CreateForm, PortalForm, max_length, options, required
from service.models import (
    CASE_CATEGORY_LABELS,
    CASE_PRIORITY_LABELS,
    CASE_STATUS_LABELS,
    TIME_UNIT_LABELS,
    CasePriority,
)


def _choices(labels: dict) -> list:
    return options((member.value, label) for member, label in labels.items())


class CaseForm(CreateForm):
    category = SelectField(_l("Category"), choices=_choices(CASE_CATEGORY_LABELS), validate_choice=True)
    priority = SelectField(
        _l("Priority"), choices=_choices(CASE_PRIORITY_LABELS), default=CasePriority.NORMAL.value, validate_choice=True
    )
    subject = StringField(_l("Subject"), validators=[required(), max_length(200)])
    description = TextAreaField(_l("Description"), validators=[required(), max_length(10_000)])
    sku = StringField(_l("Product (SKU)"), validators=[max_length(64)])
    order_no = StringField(_l("Order number"), validators=[max_length(64)])
    customer_code = StringField(_l("Customer code"), validators=[max_length(64)])
    files = MultipleFileField(_l("Files (images, PDF, XLSX, CSV; up to 10 MB each)"))


class ReplyForm(CreateForm):
    body = TextAreaField(_l("Reply"), validators=[required(), max_length(10_000)])
    files = MultipleFileField(_l("Files (images, PDF, XLSX, CSV; up to 10 MB each)"))


class NoteForm(CreateForm):
    body = TextAreaField(_l("Internal note (brand staff only)"), validators=[required(), max_length(10_000)])


class ReopenForm(CreateForm):
    body = TextAreaField(_l("Why does the case need more work?"), validators=[required(), max_length(10_000)])


class StatusForm(PortalForm):
    status = SelectField(_l("Status"), choices=_choices(CASE_STATUS_LABELS), validate_choice=True)


class AssignForm(PortalForm):
    assignee_id = SelectField(_l("Assigned to"), coerce=int, validate_choice=True)


class QueueFilterForm(PortalForm):
    """The queue's filters, read from the query string (GET: no CSRF). A value that is no choice is ignored, not
    an error: the link someone kept still opens the queue."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="open", validate_choice=False)
    priority = SelectField(_l("Priority"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    sla = SelectField(_l("Service level"), validate_choice=False)
    sort = SelectField(_l("Sort"), default="due", validate_choice=False)


class ServiceLevelForm(PortalForm):
    response_amount = IntegerField(
        _l("First response within"),
        validators=[
            InputRequired(message=_l("Fill in this field.")),
            NumberRange(min=1, max=999, message=_l("Use a whole number from 1 to 999.")),
        ],
    )
    response_unit = SelectField(_l("Unit"), choices=_choices(TIME_UNIT_LABELS), validate_choice=True)
    resolution_amount = IntegerField(
        _l("Resolution within"),
        validators=[
            InputRequired(message=_l("Fill in this field.")),
            NumberRange(min=1, max=999, message=_l("Use a whole number from 1 to 999.")),
        ],
    )
    resolution_unit = SelectField(_l("Unit"), choices=_choices(TIME_UNIT_LABELS), validate_choice=True)


class ComplaintForm(CreateForm):
    customer_code = StringField(_l("Customer code"), validators=[required(), max_length(64)])
    sku = StringField(_l("Product (SKU)"), validators=[max_length(64)])
    category = SelectField(_l("Category"), choices=_choices(CASE_CATEGORY_LABELS), validate_choice=True)
    severity = SelectField(
        _l("Severity"), choices=_choices(CASE_PRIORITY_LABELS), default=CasePriority.NORMAL.value, validate_choice=True
    )
    customer_words = TextAreaField(_l("What the customer said"), validators=[required(), max_length(10_000)])
    action_taken = TextAreaField(_l("What was done"), validators=[max_length(10_000)])
    contact_name = StringField(_l("Contact person"), validators=[max_length(120)])
    contact_phone = StringField(_l("Phone"), validators=[max_length(40)])


class ResolveComplaintForm(PortalForm):
    action_taken = TextAreaField(_l("What was done"), validators=[required(), max_length(10_000)])


class DeleteCaseForm(PortalForm):
    reason = TextAreaField(_l("Why the case is deleted"), validators=[required(), max_length(500)])
