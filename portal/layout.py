"""What every page shares: navigation by role, the language switcher, Jinja globals."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from portal.database import utcnow
from portal.security import BRAND_ROLES, Role, may_open, sees_many_partners

# (endpoint, label, narrower audience): an entry shows to whoever may open its page, unless the menu keeps it
# for fewer (partners reach the catalog and their API tokens from their sales, brand staff the segments from the
# evaluation).
NAVIGATION: list[tuple[str, LazyString, tuple[Role, ...] | None]] = [
    ("home.index", _l("Home"), None),
    ("partners.index", _l("Partners"), None),
    ("partners.applications", _l("Applications"), None),
    ("partners.mine", _l("My organisation"), None),
    ("orders.report_form", _l("Report sales"), None),
    ("orders.lines", _l("Sales"), None),
    ("orders.customer_list", _l("Customers"), None),
    ("orders.deals_list", _l("Deals"), None),
    ("training.index", _l("Training"), None),
    ("service.case_list", _l("Cases"), None),
    ("service.survey_list", _l("Surveys"), None),
    ("performance.my_scorecard", _l("Scorecard"), None),
    ("performance.segments_page", _l("Segments"), (Role.PARTNER_ADMIN,)),
    ("performance.evaluation_page", _l("Evaluation"), None),
    ("performance.analysis_page", _l("Analysis"), None),
    ("performance.coverage_page", _l("Coverage"), None),
    ("orders.products", _l("Catalog"), BRAND_ROLES),
    ("partners.product_line_list", _l("Product lines"), (Role.ADMIN,)),
    ("auth.users", _l("Users"), None),
    ("orders.tokens", _l("API tokens"), (Role.ADMIN,)),
    ("admin.audit_log", _l("Audit log"), None),
    ("admin.outbox", _l("Outbox"), None),
]


def navigation() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [
        (url_for(endpoint), str(label))
        for endpoint, label, audience in NAVIGATION
        if may_open(endpoint) and (audience is None or current_user.role in audience)
    ]


def page_url(page: int, name: str = "page") -> str:
    """This page's URL with its filters kept and another page number (in ?`name`=, when a page pages two lists)."""
    arguments = {**(request.view_args or {}), **request.args.to_dict(), name: page}
    return url_for(request.endpoint or "home.index", **arguments)


def install(app: Flask) -> None:
    from portal import money
    from portal.auth.services import can_manage_users_of
    from portal.exports import problems_csv_uri
    from portal.text import linkify

    money.install(app)

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        if not has_request_context():  # mail rendered by a CLI command has no page around it
            return {}
        locale = get_locale()
        return {
            "navigation": navigation(),
            "languages": current_app.config["LANGUAGES"],
            "current_language": str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"],
            "html_lang": "zh-CN" if locale is not None and locale.language == "zh" else "en",
        }

    from portal.i18n import pick

    app.jinja_env.globals.update(
        pick=pick,  # a row's English or Chinese text, as the page's language asks
        may_open=may_open,
        can_manage_users_of=can_manage_users_of,
        page_url=page_url,
        now=utcnow,
        sees_many_partners=lambda: sees_many_partners(current_user),
    )
    # The form macros as a global: htmx fragments (single blocks) do not see a template's own imports.
    app.jinja_env.globals["forms"] = app.jinja_env.get_template("macros/forms.html").module
    app.jinja_env.globals["pager"] = vars(app.jinja_env.get_template("macros/pager.html").module)["pager"]
    app.jinja_env.globals["total_row"] = vars(app.jinja_env.get_template("macros/tables.html").module)["total_row"]
    # One unambiguous form in both languages, with the zone: partners read it in Seattle and Munich too.
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "yyyy-MM-dd HH:mm ZZZZ") if value else ""
    app.jinja_env.filters["day"] = lambda value: format_date(value, "yyyy-MM-dd") if value else ""
    app.jinja_env.filters["problems_csv"] = problems_csv_uri
    app.jinja_env.filters["linkify"] = linkify
