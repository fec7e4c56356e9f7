"""Input shapes for partners, their standing, and region pickers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from partners.models import (PARTNER_STATUS_LABELS, PARTNER_TIER_LABELS, PARTNER_TYPE_LABELS, PartnerStatus,
                             PartnerTier, PartnerType)
from portal.forms import max_length, options, required


def _choices(labels) -> list[SelectChoice]:
    return options((member.value, label) for member, label in labels.items())


class RegionPickerForm(FlaskForm):
    """Country, then subdivision, then (where the tree has them) city; a city outside the tree as text.
    The view fills the choices from partners.regions, narrowing each list by the one above."""

    country = SelectField(_l("Country"), validators=[required()], validate_choice=True)
    subdivision = SelectField(_l("Province / state"), validate_choice=True)
    city = SelectField(_l("City"), validate_choice=True)
    city_text = StringField(_l("City (if not listed)"), validators=[max_length(120)])


class PartnerForm(RegionPickerForm):
    code = StringField(_l("Partner code"), validators=[required(), max_length(32)])
    legal_name = StringField(_l("Legal name"), validators=[required(), max_length(200)])
    partner_type = SelectField(_l("Partner type"), choices=_choices(PARTNER_TYPE_LABELS), validators=[required()])
    tier = SelectField(_l("Tier"), choices=_choices(PARTNER_TIER_LABELS), validators=[required()])


class PartnerStandingForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_choices(PARTNER_STATUS_LABELS), validators=[required()])
    tier = SelectField(_l("Tier"), choices=_choices(PARTNER_TIER_LABELS), validators=[required()])
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(500)])


class PartnerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or code"), validators=[max_length(100)])
    partner_type = SelectField(_l("Partner type"), choices=options([("", _l("All types"))]) + _choices(PARTNER_TYPE_LABELS))
    tier = SelectField(_l("Tier"), choices=options([("", _l("All tiers"))]) + _choices(PARTNER_TIER_LABELS))
    status = SelectField(_l("Status"), choices=options([("", _l("All statuses"))]) + _choices(PARTNER_STATUS_LABELS))

    def criteria(self):
        from partners.services import PartnerCriteria

        def valid(field, enum_cls):
            return enum_cls(field.data) if field.data and not field.errors else None

        return PartnerCriteria(
            text="" if self.q.errors else (self.q.data or ""),
            partner_type=valid(self.partner_type, PartnerType),
            tier=valid(self.tier, PartnerTier),
            status=valid(self.status, PartnerStatus),
        )
