"""What every form shares: the base classes (clean text; a form that creates something creates it once), and
field shapes such as text with a length limit the user sees as a message."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in 3.3; the stubs are 3.2's
from wtforms.fields.core import Field, UnboundField
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation
from wtforms.widgets import TextInput

from portal.database import Base, utcnow
from portal.extensions import db
from portal.money import number_problem, parse_number, plain_decimal
from portal.security import RuleViolation
from portal.text import without_controls

_Field = TypeVar("_Field", bound=Field)


def required() -> DataRequired:
    return DataRequired(message=_l("Fill in this field."))


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(max)d characters.", max=n))


class AmountField(Field):
    """An exact decimal as every door takes it (portal/money.parse_number): "1234.5", "-3", "1,234.5"; "1e3" or
    "NaN" are refused with the forms it takes, never read as 1000. Required, and not below 0 unless `signed`. What the
    user typed stays in the box when the form comes back with an error."""

    widget = TextInput()

    def __init__(
        self, label: Any = None, validators: Sequence[Any] | None = None, *, signed: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(label, [InputRequired(message=_l("Fill in this field.")), *(validators or [])], **kwargs)
        self.signed = signed

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = parse_number(str(valuelist[0])) if valuelist else None

    def _value(self) -> str:
        return str(self.raw_data[0]) if self.raw_data else plain_decimal(self.data)

    def pre_validate(self, form: BaseForm) -> None:
        text = str(self.raw_data[0]) if self.raw_data else ""
        if text.strip() and self.data is None:
            raise StopValidation(str(number_problem(text)))
        if self.data is not None and not self.signed and self.data < 0:
            raise StopValidation(str(_l("Use a number of 0 or more.")))


def add_error(field: Field, message: object) -> None:
    """Show `message` next to `field`, after any the validators found (a tuple until the form is validated)."""
    field.errors = [*field.errors, str(message)]


_Value = TypeVar("_Value")


def given(value: _Value | None) -> _Value:
    """The value of a required field of a validated form, which is never None (says so to the type checker)."""
    if value is None:
        raise ValueError("a required field is empty: was the form validated?")
    return value


@dataclass
class Outcome:
    refused: bool = False


@contextmanager
def refusals_shown(form: FlaskForm, field: str) -> Iterator[Outcome]:
    """Run a service's change for a form: a RuleViolation is shown next to the field it names (or `field`) and
    `outcome.refused` turns True; the caller commits only when it stays False. Services refuse before they write."""
    outcome = Outcome()
    try:
        yield outcome
    except RuleViolation as error:
        named = getattr(form, error.field, None) if error.field else None
        add_error(named if named is not None else getattr(form, field), error.message)
        outcome.refused = True


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as the options of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_options(labels: Mapping[Any, object]) -> list[SelectChoice]:
    """An enum's labels ({member: label}, portal.database.enum_labels) as options, by the members' values."""
    return options((member.value, label) for member, label in labels.items())


class FormSubmission(Base):
    """The key of each form that created something, so that the same form sent twice creates it once."""

    __tablename__ = "form_submissions"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


KEPT_FOR = timedelta(days=2)  # a form kept open longer than this gets no protection against a second send


class PortalForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no types
    """Every form's base. Text fields lose the control characters nothing may store (portal/text.py): tabs and
    line breaks stay in text areas only."""

    class Meta:
        def bind_field(
            self, form: BaseForm, unbound_field: UnboundField[_Field], options: MutableMapping[str, Any]
        ) -> _Field:
            if issubclass(unbound_field.field_class, StringField) and not issubclass(
                unbound_field.field_class, PasswordField
            ):
                multiline = issubclass(unbound_field.field_class, TextAreaField)
                options["filters"] = (*options.get("filters", ()), functools.partial(_clean, multiline=multiline))
            return unbound_field.bind(form=form, **options)


def _clean(value: object, *, multiline: bool) -> object:
    return without_controls(value, multiline=multiline) if isinstance(value, str) else value


class CreateForm(PortalForm):
    """A form that creates something. Its page carries a key made when the form is shown; the first request
    with that key claims it in the database, and a second one (a double click, a resent page, the same page
    in two tabs) is told the form was sent already instead of creating the thing again. Templates render the
    key with form.hidden_tag()."""

    submission_key = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_key.data:  # shown afresh (or sent by a script without one)
            self.submission_key.data = new_submission_key()
        self.sent_already = False

    def validate_on_submit(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        if not super().validate_on_submit(extra_validators):
            return False
        key = self.submission_key.data
        assert key is not None  # __init__ gave the form one
        if not claim_submission(key):
            self.sent_already = True
            return False
        return True


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def claim_submission(key: str) -> bool:
    """True for the first request that sends `key` (kept in the caller's transaction, so a request that fails
    leaves the key free for the next try); False, with the person told so, when another request has it. Two
    requests at once: PostgreSQL makes the second wait for the first to end; SQLite's write lock lets one in
    at a time. For forms that are no CreateForm (a page's own inputs), with new_submission_key() in the page."""
    try:
        with db.session.begin_nested():
            db.session.add(FormSubmission(key=key[:64]))
    except IntegrityError:
        flash(_l("This form was sent already: what it creates is saved once. Open the list to see it."), "error")
        return False
    db.session.execute(delete(FormSubmission).where(FormSubmission.at < utcnow() - KEPT_FOR))
    return True
