"""What every page shares: navigation by role, the language switcher, Jinja globals."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.database import utcnow
from portal.security import Role, sees_many_partners

# (endpoint, label, roles that see it)
NAVIGATION = [
    ("home.index", _l("Home"), tuple(Role)),
    ("partners.index", _l("Partners"), (Role.CHANNEL_MANAGER, Role.ADMIN)),
    ("partners.applications", _l("Applications"), (Role.ADMIN,)),
    ("partners.mine", _l("My organisation"), (Role.PARTNER_USER, Role.PARTNER_ADMIN)),
    ("orders.report_form", _l("Report sales"), (Role.PARTNER_USER, Role.PARTNER_ADMIN)),
    ("orders.lines", _l("Sales"), tuple(Role)),
    ("orders.customer_list", _l("Customers"), tuple(Role)),
    ("orders.deals_list", _l("Deals"), tuple(Role)),
    ("training.index", _l("Training"), tuple(Role)),
    ("performance.my_scorecard", _l("Scorecard"), (Role.PARTNER_USER, Role.PARTNER_ADMIN)),
    ("performance.segments_page", _l("Segments"), (Role.PARTNER_ADMIN,)),
    ("performance.evaluation_page", _l("Evaluation"), (Role.CHANNEL_MANAGER, Role.ADMIN)),
    ("performance.coverage_page", _l("Coverage"), (Role.CHANNEL_MANAGER, Role.ADMIN)),
    ("orders.products", _l("Catalog"), (Role.CHANNEL_MANAGER, Role.ADMIN)),
    ("auth.users", _l("Users"), (Role.PARTNER_ADMIN, Role.ADMIN)),
    ("admin.audit_log", _l("Audit log"), (Role.ADMIN,)),
    ("admin.outbox", _l("Outbox"), (Role.ADMIN,)),
]


def navigation() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(url_for(endpoint), str(label)) for endpoint, label, roles in NAVIGATION if current_user.role in roles]


def page_url(page: int, name: str = "page") -> str:
    """This page's URL with its filters kept and another page number (in ?`name`=, when a page pages two lists)."""
    arguments = {**(request.view_args or {}), **request.args.to_dict(), name: page}
    return url_for(request.endpoint, **arguments)


def install(app: Flask) -> None:
    from portal import money
    from portal.auth.services import can_manage_users_of
    from portal.exports import problems_csv_uri

    money.install(app)

    @app.context_processor
    def layout_context():
        if not has_request_context():  # mail rendered by a CLI command has no page around it
            return {}
        locale = get_locale()
        return {
            "navigation": navigation(),
            "languages": current_app.config["LANGUAGES"],
            "current_language": str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"],
            "html_lang": "zh-CN" if locale is not None and locale.language == "zh" else "en",
        }

    app.jinja_env.globals.update(
        Role=Role,
        can_manage_users_of=can_manage_users_of,
        page_url=page_url,
        now=utcnow,
        sees_many_partners=lambda: sees_many_partners(current_user),
    )
    # The form macros as a global: htmx fragments (single blocks) do not see a template's own imports.
    app.jinja_env.globals["forms"] = app.jinja_env.get_template("macros/forms.html").module
    app.jinja_env.globals["pager"] = app.jinja_env.get_template("macros/pager.html").module.pager
    # One unambiguous form in both languages, with the zone: partners read it in Seattle and Munich too.
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "yyyy-MM-dd HH:mm ZZZZ") if value else ""
    app.jinja_env.filters["day"] = lambda value: format_date(value, "yyyy-MM-dd") if value else ""
    app.jinja_env.filters["problems_csv"] = problems_csv_uri
