"""Input shapes for logging in, passwords and invitations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, Length

from portal.forms import CreateForm, PortalForm, max_length, required


def email_field(label: str | None = None) -> EmailField:
    return EmailField(
        label or _l("Email"),
        validators=[required(), max_length(254), Email(message=_l("Enter an email address such as name@example.com."))],
    )


class LoginForm(PortalForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[required(), max_length(128)])
    next = HiddenField()


class ForgotPasswordForm(PortalForm):
    email = email_field()


class NewPasswordForm(PortalForm):
    password = PasswordField(
        _l("New password"), validators=[required(), Length(min=10, max=128, message=_l("Use 10 to 128 characters."))]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), max_length(128)])


class InvitationForm(CreateForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)])
    email = email_field()
    role = SelectField(_l("Role"), validators=[required()])


class RoleForm(PortalForm):
    role = SelectField(_l("Role"), validators=[required()])
