"""Input shapes for partners, their standing, and region pickers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    FileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired

from partners.models import (
    PARTNER_STATUS_LABELS,
    PARTNER_TIER_LABELS,
    PARTNER_TYPE_LABELS,
    PartnerStatus,
    PartnerTier,
    PartnerType,
)
from portal.forms import CreateForm, PortalForm, enum_options, max_length, options, required


def partner_type_filter() -> SelectField:
    """A list's filter by partner type: every type, or one."""
    return SelectField(
        _l("Partner type"), default="", choices=options([("", _l("All types"))]) + enum_options(PARTNER_TYPE_LABELS)
    )


def tier_filter() -> SelectField:
    return SelectField(
        _l("Tier"), default="", choices=options([("", _l("All tiers"))]) + enum_options(PARTNER_TIER_LABELS)
    )


class RegionPickerForm(PortalForm):
    """Country, then subdivision, then (where the tree has them) city; a city outside the tree as text.
    The view fills the choices from partners.regions, narrowing each list by the one above."""

    country = SelectField(_l("Country"), validators=[required()], validate_choice=True)
    subdivision = SelectField(_l("Province / state"), validate_choice=True)
    city = SelectField(_l("City"), validate_choice=True)
    city_text = StringField(_l("City (if not listed)"), validators=[max_length(120)])


class PartnerForm(CreateForm, RegionPickerForm):
    code = StringField(_l("Partner code"), validators=[required(), max_length(32)])
    legal_name = StringField(_l("Legal name"), validators=[required(), max_length(200)])
    partner_type = SelectField(_l("Partner type"), choices=enum_options(PARTNER_TYPE_LABELS), validators=[required()])
    tier = SelectField(_l("Tier"), choices=enum_options(PARTNER_TIER_LABELS), validators=[required()])


class PartnerStandingForm(PortalForm):
    status = SelectField(_l("Status"), choices=enum_options(PARTNER_STATUS_LABELS), validators=[required()])
    tier = SelectField(_l("Tier"), choices=enum_options(PARTNER_TIER_LABELS), validators=[required()])
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(500)])


class PartnerFilterForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or code"), validators=[max_length(100)])
    partner_type = partner_type_filter()
    tier = tier_filter()
    status = SelectField(
        _l("Status"), default="", choices=options([("", _l("All statuses"))]) + enum_options(PARTNER_STATUS_LABELS)
    )
    region = SelectField(_l("Region"), default="")  # the view lists the regions that hold partners
    sort = SelectField(
        _l("Sort by"),
        default="code",
        choices=options(
            [
                ("code", _l("Code")),
                ("name", _l("Name")),
                ("type", _l("Type")),
                ("tier", _l("Tier")),
                ("status", _l("Status")),
                ("newest", _l("Newest first")),
            ]
        ),
    )

    def criteria(self, page: int = 1):
        from partners.regions import region_by_code
        from partners.services import PartnerCriteria

        def valid(field, enum_cls):
            return enum_cls(field.data) if field.data and not field.errors else None

        return PartnerCriteria(
            text="" if self.q.errors else (self.q.data or ""),
            partner_type=valid(self.partner_type, PartnerType),
            tier=valid(self.tier, PartnerTier),
            status=valid(self.status, PartnerStatus),
            region=region_by_code(self.region.data) if self.region.data and not self.region.errors else None,
            sort=self.sort.data if not self.sort.errors and self.sort.data else "code",
            page=page,
        )


class ApplicationRegionsForm(RegionPickerForm):
    """The region picker plus the regions (subdivisions of the chosen country) the company applies to cover."""

    regions_applied = SelectMultipleField(_l("Regions applied for"), validate_choice=True)


class PartnerApplicationForm(CreateForm, ApplicationRegionsForm):
    legal_name = StringField(_l("Legal name"), validators=[required(), max_length(200)])
    partner_type = SelectField(_l("Partner type"), choices=enum_options(PARTNER_TYPE_LABELS), validators=[required()])
    registration_number = StringField(_l("Registration number"), validators=[max_length(64)])
    product_lines = SelectMultipleField(_l("Product lines of interest"), coerce=int, validate_choice=True)
    contact_name = StringField(_l("Contact name"), validators=[required(), max_length(120)])
    contact_email = EmailField(
        _l("Contact email"),
        validators=[required(), max_length(254), Email(message=_l("Enter an email address such as name@example.com."))],
    )
    contact_phone = StringField(_l("Contact phone"), validators=[required(), max_length(40)])
    consent = BooleanField(
        _l("I have read the privacy notice and agree that Qudao stores these details to review the application."),
        validators=[InputRequired(message=_l("The application needs your consent."))],
    )


class ReviewForm(PortalForm):
    note = TextAreaField(_l("Reason or question"), validators=[max_length(2000)])


class AgreementPublishForm(CreateForm):
    version = StringField(_l("Version"), validators=[required(), max_length(20)])
    title_en = StringField(_l("Title (English)"), validators=[required(), max_length(200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[required(), max_length(200)])
    body_en = TextAreaField(_l("Text (English)"), validators=[required(), max_length(50_000)])
    body_zh = TextAreaField(_l("Text (Chinese)"), validators=[required(), max_length(50_000)])


class PartnerProfileForm(PortalForm):
    registration_number = StringField(_l("Registration number"), validators=[max_length(64)])
    address = StringField(_l("Address"), validators=[max_length(300)])
    phone = StringField(_l("Phone"), validators=[max_length(40)])
    website = StringField(_l("Website"), validators=[max_length(200)])
    description = TextAreaField(_l("About the company"), validators=[max_length(2000)])
    product_lines = SelectMultipleField(_l("Product lines"), coerce=int, validate_choice=True)


class PartnerImportForm(CreateForm):
    file = FileField(_l("CSV or XLSX file"), validators=[InputRequired(message=_l("Choose a file."))])


class ProductLineForm(CreateForm):
    code = StringField(_l("Code"), validators=[required(), max_length(32)])
    name_en = StringField(_l("Name (English)"), validators=[required(), max_length(120)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[required(), max_length(120)])
    is_active = BooleanField(_l("Offered"), default=True)
