"""Input shapes for targets, scoring rules, tier decisions and the evaluation filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    HiddenField,
    IntegerField,
    MonthField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from partners.forms import RegionPickerForm, partner_type_filter, tier_filter
from partners.models import PARTNER_TIER_LABELS
from performance.analysis import DIMENSIONS, GRAINS, MAX_TOP, MEASURES
from performance.kpis import SCORED_KPIS
from portal.forms import AmountField, CreateForm, PortalForm, enum_options, max_length, options, required


class TargetForm(CreateForm):
    partner_code = StringField(_l("Partner code"), validators=[required(), max_length(32)])
    period = StringField(_l("Month (YYYY-MM)"), validators=[required(), max_length(7)])
    amount = AmountField(_l("Target (net sales)"), signed=True)  # the service says what a target may be


class TargetImportForm(CreateForm):
    file = FileField(_l("CSV or XLSX file"), validators=[InputRequired(message=_l("Choose a file."))])


class RulesForm(CreateForm):
    based_on = HiddenField()
    silver_min = IntegerField(_l("Silver from score"), validators=[InputRequired(message=_l("Fill in this field."))])
    gold_min = IntegerField(_l("Gold from score"), validators=[InputRequired(message=_l("Fill in this field."))])
    platinum_min = IntegerField(
        _l("Platinum from score"), validators=[InputRequired(message=_l("Fill in this field."))]
    )
    recommendation_months = IntegerField(
        _l("Months averaged for the tier recommendation"),
        validators=[
            InputRequired(message=_l("Fill in this field.")),
            NumberRange(min=1, max=24, message=_l("Use 1 to 24 months.")),
        ],
    )
    note = StringField(_l("What changed and why"), validators=[max_length(300)])


# One weight field per KPI, named after it: the form and docs/kpis.md list the same KPIs.
for _name in SCORED_KPIS:
    setattr(
        RulesForm,
        _name,
        IntegerField(
            validators=[
                InputRequired(message=_l("Fill in this field.")),
                NumberRange(min=0, max=100, message=_l("Use a weight from 0 to 100.")),
            ]
        ),
    )


class TierDecisionForm(PortalForm):
    tier = SelectField(_l("Tier"), choices=enum_options(PARTNER_TIER_LABELS))
    reason = StringField(_l("Reason"), validators=[max_length(300)])
    version = HiddenField()


class ScoringRunForm(CreateForm):
    first = MonthField(_l("From (month)"), validators=[InputRequired(message=_l("Give a month as YYYY-MM."))])
    last = MonthField(_l("To (month)"), validators=[InputRequired(message=_l("Give a month as YYYY-MM."))])


class EvaluationFilterForm(PortalForm):
    class Meta:
        csrf = False

    period = SelectField(_l("Month"))  # the view lists the months that have scorecards
    partner_type = partner_type_filter()
    tier = tier_filter()
    region = SelectField(_l("Region"), default="")
    product_line = SelectField(_l("Product line"), default="")
    sort = SelectField(
        _l("Sort by"),
        default="score",
        choices=options(
            [
                ("score", _l("Score")),
                ("net_sales", _l("Net sales")),
                ("target_attainment", _l("Target attainment")),
                ("growth_yoy", _l("Growth vs last year")),
                ("code", _l("Code")),
            ]
        ),
    )
    page = IntegerField(validators=[Optional()])


class CoverageForm(CreateForm, RegionPickerForm):
    """Assign a region (picked country › province › city) and a product line to a partner."""

    product_line_id = SelectField(_l("Product line"), default="")  # "" for every line; the view fills the lines
    is_exclusive = BooleanField(_l("Exclusive"))
    effective_from = DateField(_l("Effective from"), validators=[InputRequired(message=_l("Fill in this field."))])
    reason = StringField(_l("Reason"), validators=[required(), max_length(300)])
    version = HiddenField()


class CoverageImportForm(CreateForm):
    file = FileField(_l("CSV or XLSX file"), validators=[InputRequired(message=_l("Choose a file."))])


class CoverageEndForm(PortalForm):
    effective_to = DateField(_l("Ends on"), validators=[InputRequired(message=_l("Fill in this field."))])
    reason = StringField(_l("Reason"), validators=[required(), max_length(300)])
    version = HiddenField()


class AnalysisForm(PortalForm):
    """The sales analysis's question, all in the query string (a link repeats it). The view fills the lists
    that depend on the data (product lines) and checks the codes."""

    class Meta:
        csrf = False

    rows = SelectField(_l("Rows"), default="region", choices=options(DIMENSIONS.items()))
    columns = SelectField(_l("Columns"), default="", choices=options([("", _l("None"))]) + options(DIMENSIONS.items()))
    grain = SelectField(_l("Periods by"), default="year", choices=options(GRAINS.items()))
    first = MonthField(_l("From (month)"), validators=[Optional()])
    last = MonthField(_l("To (month)"), validators=[Optional()])
    measure = SelectField(_l("Figure"), default="net_sales", choices=options(MEASURES.items()))
    sort = SelectField(
        _l("Sort by"),
        default="measure",
        choices=options(
            [
                ("measure", _l("The figure, largest first")),
                ("smallest", _l("The figure, smallest first")),
                ("label", _l("Name")),
            ]
        ),
    )
    top = IntegerField(_l("Top"), default=20, validators=[Optional(), NumberRange(min=1, max=MAX_TOP)])
    chart = SelectField(_l("Chart"), default="bar", choices=options([("bar", _l("Bars")), ("line", _l("Lines"))]))
    partner = StringField(_l("Partner code"), validators=[Optional(), max_length(32)])
    partner_type = partner_type_filter()
    tier = tier_filter()
    product_line = SelectField(_l("Product line"), default="")
    region = HiddenField()  # the region drilled into, by code
    shade = HiddenField()  # what the region map shows: the figure, or "growth" against a year earlier
