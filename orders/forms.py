"""Input shapes for the catalog, sales reports and their filters, customers and tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FileField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from partners.forms import partner_type_filter, tier_filter
from portal.forms import AmountField, CreateForm, PortalForm, max_length, required


class ProductForm(CreateForm):
    sku = StringField(_l("SKU"), validators=[required(), max_length(64)])
    name_en = StringField(_l("Name (English)"), validators=[required(), max_length(200)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[required(), max_length(200)])
    product_line_id = SelectField(_l("Product line"), coerce=int, validate_choice=True)
    unit = StringField(_l("Unit"), validators=[required(), max_length(16)])
    list_price = AmountField(_l("List price"))
    is_active = BooleanField(_l("On sale"), default=True)


class UploadForm(CreateForm):
    file = FileField(_l("CSV or XLSX file"), validators=[InputRequired(message=_l("Choose a file."))])


class ProductImportForm(UploadForm):
    create_lines = BooleanField(_l("Create product lines named in the file"))


class TokenForm(CreateForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)])


class CustomerForm(CreateForm):
    name = StringField(_l("Customer name"), validators=[required(), max_length(200)])
    region_text = StringField(_l("Region"), validators=[max_length(120)])
    industry = StringField(_l("Industry"), validators=[max_length(120)])
    registration_number = StringField(_l("Registration number"), validators=[max_length(64)])
    contact_person = StringField(_l("Contact person"), validators=[max_length(120)])
    phone = StringField(_l("Phone"), validators=[max_length(40)])
    email = StringField(_l("Email"), validators=[max_length(254)])
    survey_consent = BooleanField(_l("The contact agreed to be asked about satisfaction by email"))


class ErasureForm(PortalForm):
    reason = TextAreaField(_l("Whose request, and when"), validators=[required(), max_length(500)])


class DealForm(CreateForm):
    customer_name = StringField(_l("Customer"), validators=[required(), max_length(200)])
    customer_region = StringField(_l("Customer region"), validators=[max_length(120)])
    products = StringField(_l("Products"), validators=[required(), max_length(500)])
    estimated_value = AmountField(_l("Estimated value"))
    expected_close = DateField(_l("Expected close date"), validators=[InputRequired(message=_l("Fill in this field."))])


class DealDecisionForm(PortalForm):
    note = TextAreaField(_l("Reason"), validators=[max_length(500)])
    order_no = StringField(_l("Order number of the win"), validators=[max_length(64)])


class LineFilterForm(PortalForm):
    """The sales lines' filters, read from the address. The view fills the months, regions and product lines and
    says beside each field what it does not know."""

    class Meta:
        csrf = False

    first = SelectField(_l("From month"), default="", validate_choice=False)
    last = SelectField(_l("To month"), default="", validate_choice=False)
    q = StringField(_l("Partner code or name"), validators=[max_length(100)])
    region = SelectField(_l("Region"), default="", validate_choice=False)
    region_only = BooleanField(_l("Based in the region itself, not below it"))
    partner_type = partner_type_filter()
    tier = tier_filter()
    product_line = SelectField(_l("Product line"), default="", validate_choice=False)
    sku = StringField(_l("SKU"), validators=[max_length(64)])
    returns = BooleanField(_l("Returns only"))
