"""The form helpers every page uses: a refusal shown next to its field, amounts read by the files' rule."""

from __future__ import annotations

from decimal import Decimal

from werkzeug.datastructures import MultiDict
from wtforms import StringField

from portal.forms import AmountField, PortalForm, refusals_shown
from portal.security import RuleViolation


class _Form(PortalForm):
    class Meta:
        csrf = False

    name = StringField()
    amount = AmountField()


def test_a_refusal_goes_next_to_the_field_it_names_or_the_default_one(app):
    with app.test_request_context():
        form = _Form(MultiDict({"name": "x", "amount": "5"}))
        with refusals_shown(form, "name") as outcome:
            raise RuleViolation("Too big.", field="amount")
        assert outcome.refused and form.amount.errors == ["Too big."] and not form.name.errors
        with refusals_shown(form, "name") as outcome:
            raise RuleViolation("Taken.", field="no_such_field")
        assert outcome.refused and form.name.errors == ["Taken."]
        with refusals_shown(form, "name") as outcome:
            pass
        assert not outcome.refused


def test_an_amount_is_exact_and_refuses_what_the_files_refuse(app):
    with app.test_request_context():
        form = _Form(MultiDict({"name": "x", "amount": "1,234.5"}))
        assert form.validate() and form.amount.data == Decimal("1234.5")
        for typed, problem in (("1e3", "1e3 is not a number"), ("-1", "Use a number of 0 or more."), ("", "Fill in")):
            form = _Form(MultiDict({"name": "x", "amount": typed}))
            assert not form.validate() and problem in form.amount.errors[0]
