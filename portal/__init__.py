"""Qudao's application factory: the only module that wires every domain together."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request, session
from flask_login import current_user

from portal.config import Config, config_from_env


def create_app(config: type[Config] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping((config or config_from_env()).load())  # the environment is read here, not at import
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    register_extensions(app)
    register_queue(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from pathlib import Path

    from portal.auth.services import load_user_for_session
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
    from portal.security import HttpsAwareSessionInterface

    app.session_interface = HttpsAwareSessionInterface()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says enough
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_for_session)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )


def register_queue(app: Flask) -> None:
    """The background queue named by the configuration, with every domain's tasks (see portal/queue.py)."""
    from orders.tasks import TASKS as order_tasks
    from performance.tasks import TASKS as performance_tasks
    from portal import queue
    from portal.auth.services import send_password_reset
    from portal.mail import deliver_messages

    queue.init_app(app, tasks=[deliver_messages, send_password_reset, *order_tasks, *performance_tasks])


def select_locale() -> str:
    """The user's own choice, then the language cookie, then the browser's Accept-Language."""
    from flask import current_app, has_request_context

    languages: list[str] = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI and service code: the configured default
        return default
    from flask import g

    from portal.i18n import READER_LOCALE

    chosen: str | None = (
        getattr(current_user, "locale", None) if current_user and current_user.is_authenticated else None
    )
    chosen = chosen or g.get(READER_LOCALE) or session.get("locale")
    if chosen is not None and chosen in languages:
        return chosen
    # By primary subtag, in the browser's order of preference: zh-CN, zh-TW, zh all read the Chinese pages.
    by_language = {"zh": "zh_Hans_CN", "en": "en"}
    for tag, _quality in request.accept_languages:
        match = by_language.get(tag.replace("_", "-").split("-")[0].lower())
        if match:
            return match
    return default


def register_blueprints(app: Flask) -> None:
    from orders.api import bp as api_bp
    from orders.views import HOME_PANELS as order_panels
    from orders.views import STEP_PAGES as order_steps
    from orders.views import bp as orders_bp
    from orders.views import register_customer_links
    from partners.views import HOME_PANELS as partner_panels
    from partners.views import STEP_PAGES as partner_steps
    from partners.views import bp as partners_bp
    from partners.views import register_step_pages
    from performance.views import HOME_PANELS as performance_panels
    from performance.views import bp as performance_bp
    from portal.admin import bp as admin_bp
    from portal.auth.views import bp as auth_bp
    from portal.extensions import csrf
    from portal.home import bp as home_bp
    from portal.home import register_panels
    from service.api import bp as service_api_bp
    from service.views import CUSTOMER_LINKS as service_customer_links
    from service.views import HOME_PANELS as service_panels
    from service.views import bp as service_bp
    from training.views import HOME_PANELS as training_panels
    from training.views import STEP_PAGES as training_steps
    from training.views import bp as training_bp
    from training.views import verify_bp

    for blueprint in (
        home_bp,
        auth_bp,
        admin_bp,
        partners_bp,
        orders_bp,
        api_bp,
        training_bp,
        verify_bp,
        performance_bp,
        service_bp,
        service_api_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # token-authenticated JSON; no browser session to forge
    csrf.exempt(service_api_bp)
    register_panels(partner_panels + order_panels + training_panels + performance_panels + service_panels)
    register_step_pages(partner_steps + order_steps + training_steps)  # the checklist links where each step is done
    register_customer_links(service_customer_links)  # a customer's page offers to log a complaint


def register_request_hooks(app: Flask) -> None:
    from partners.services import visible_partner_ids
    from portal import headers, layout, tenancy
    from portal.security import install_login_gate

    tenancy.configure(visible_partner_ids)
    _connect_domain_signals()
    install_login_gate(app)
    layout.install(app)

    @app.teardown_request
    def end_request_session(_exc: BaseException | None = None) -> None:
        from portal.extensions import db

        db.session.remove()  # the session belongs to this request (see extensions._session_scope)

    headers.install(app)


def _connect_domain_signals() -> None:
    """Events that other domains act on: the onboarding checklist ticks itself; a customer's personal-data export
    and erasure reach the complaints."""
    from flask_login import user_logged_in

    from orders.customers import personal_data_erased, personal_data_requested
    from partners.onboarding import on_user_invited, on_user_logged_in
    from portal.auth.services import user_invited
    from service import complaints, surveys

    user_invited.connect(on_user_invited)
    user_logged_in.connect(on_user_logged_in)
    for keeper in (complaints, surveys):  # complaints and survey answers keep a customer's people too
        personal_data_requested.connect(keeper.on_personal_data_requested)
        personal_data_erased.connect(keeper.on_personal_data_erased)


def register_error_handlers(app: Flask) -> None:
    from orders.api import error_response
    from portal.errors import answer_json_under, install

    install(app)
    answer_json_under(app, "/api/", error_response)  # every API error is JSON, unknown /api/ addresses too


def demo_seeders() -> list[Callable[[], list[tuple[str, str, str]]]]:
    """Each domain's demo, in the order they build on each other (`flask seed demo`, the browser tests)."""
    from orders.demo import seed_demo as seed_orders
    from partners.demo import seed_demo as seed_partners
    from performance.demo import seed_demo as seed_performance
    from service.demo import seed_demo as seed_service
    from training.demo import seed_demo as seed_training

    return [seed_partners, seed_orders, seed_training, seed_service, seed_performance]


def register_commands(app: Flask) -> None:
    from orders.cli import deals_group
    from partners.cli import regions_group
    from performance.cli import performance_group
    from portal.cli import install
    from service.cli import service_group
    from training.cli import training_group

    install(app, seeders=demo_seeders())
    app.cli.add_command(regions_group)
    app.cli.add_command(deals_group)
    app.cli.add_command(training_group)
    app.cli.add_command(performance_group)
    app.cli.add_command(service_group)
