"""Input shapes for course authoring."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from partners.models import PARTNER_TIER_LABELS, PARTNER_TYPE_LABELS
from portal.forms import CreateForm, max_length, options, required


def _number(label, low, high, default):
    return IntegerField(
        label,
        default=default,
        validators=[
            InputRequired(message=_l("Fill in this field.")),
            NumberRange(min=low, max=high, message=_l("Use a number from %(min)d to %(max)d.")),
        ],
    )


class CourseForm(CreateForm):
    title_en = StringField(_l("Title (English)"), validators=[required(), max_length(200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[required(), max_length(200)])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[max_length(2000)])
    summary_zh = TextAreaField(_l("Summary (Chinese)"), validators=[max_length(2000)])
    product_line_id = SelectField(_l("Product line"), coerce=int, validate_choice=True)  # 0: none
    estimated_minutes = _number(_l("Estimated minutes"), 1, 1000, 30)
    required_types = SelectMultipleField(
        _l("Required for partner types"),
        validate_choice=True,
        choices=options((t.value, label) for t, label in PARTNER_TYPE_LABELS.items()),
    )
    required_tiers = SelectMultipleField(
        _l("… of these tiers (none chosen: every tier)"),
        validate_choice=True,
        choices=options((t.value, label) for t, label in PARTNER_TIER_LABELS.items()),
    )
    validity_months = _number(_l("Certificate valid for (months)"), 1, 120, 24)
    pass_mark = _number(_l("Pass mark (%)"), 1, 100, 80)
    max_attempts = _number(_l("Attempts allowed"), 1, 20, 3)


class LessonForm(CreateForm):
    title_en = StringField(_l("Title (English)"), validators=[required(), max_length(200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[required(), max_length(200)])
    body_en = TextAreaField(_l("Lesson (English, Markdown)"), validators=[max_length(100_000)])
    body_zh = TextAreaField(_l("Lesson (Chinese, Markdown)"), validators=[max_length(100_000)])


class QuestionForm(CreateForm):
    text_en = StringField(_l("Question (English)"), validators=[required(), max_length(1000)])
    text_zh = StringField(_l("Question (Chinese)"), validators=[required(), max_length(1000)])
    is_multiple = BooleanField(_l("Several answers may be right"))
    options_text = TextAreaField(
        _l("Answers, one a line: English | Chinese; start a right answer with *"),
        validators=[required(), max_length(5000)],
    )
