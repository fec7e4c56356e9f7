"""Input shapes for support cases (opening one, replying, notes, status and assignment, the queue's filters), the
service levels, complaints and surveys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange

from partners.models import PARTNER_TIER_LABELS, PARTNER_TYPE_LABELS
from portal.forms import CreateForm, PortalForm, max_length, options, required
from service.models import (
    CASE_CATEGORY_LABELS,
    CASE_PRIORITY_LABELS,
    CASE_STATUS_LABELS,
    QUESTION_KIND_LABELS,
    SURVEY_AUDIENCE_LABELS,
    TIME_UNIT_LABELS,
    CasePriority,
    SurveyAudience,
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


class SurveyForm(CreateForm):
    title_en = StringField(_l("Title (English)"), validators=[required(), max_length(200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[required(), max_length(200)])
    intro_en = TextAreaField(_l("Introduction (English)"), validators=[max_length(4000)])
    intro_zh = TextAreaField(_l("Introduction (Chinese)"), validators=[max_length(4000)])
    audience = SelectField(
        _l("Who is asked"),
        choices=_choices({k: v for k, v in SURVEY_AUDIENCE_LABELS.items() if k is not SurveyAudience.CASE_REQUESTERS}),
        validate_choice=True,
    )
    valid_days = IntegerField(
        _l("Links can be answered for (days)"),
        default=14,
        validators=[
            InputRequired(message=_l("Fill in this field.")),
            NumberRange(min=1, max=365, message=_l("Between 1 and 365 days.")),
        ],
    )
    partner_types = SelectMultipleField(
        _l("Partner types (none chosen: all)"), choices=_choices(PARTNER_TYPE_LABELS), validate_choice=True
    )
    tiers = SelectMultipleField(
        _l("Tiers (none chosen: all)"), choices=_choices(PARTNER_TIER_LABELS), validate_choice=True
    )
    region_ids = SelectMultipleField(_l("Regions (none chosen: all)"), coerce=int, validate_choice=True)
    product_line_ids = SelectMultipleField(_l("Product lines (none chosen: all)"), coerce=int, validate_choice=True)


class QuestionForm(CreateForm):
    kind = SelectField(_l("Kind of question"), choices=_choices(QUESTION_KIND_LABELS), validate_choice=True)
    text_en = StringField(_l("Question (English)"), validators=[required(), max_length(500)])
    text_zh = StringField(_l("Question (Chinese)"), validators=[required(), max_length(500)])
    required = BooleanField(_l("An answer is required"), default=True)
    choices = TextAreaField(
        _l("Options, one a line: English | 中文 (for a choice question)"), validators=[max_length(8000)]
    )


class CustomerLinkForm(PortalForm):  # sending it again gives the same link (surveys.hand_out_link)
    customer_code = StringField(_l("Customer code"), validators=[required(), max_length(64)])


class AnswerForm(PortalForm):
    """The answers to one survey; its fields ("q<id>") are read from the request by service.surveys, which
    checks them against the questions."""
