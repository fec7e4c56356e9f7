"""Configuration: settings read from the environment when the app is created, with an embedded default that
needs none.

Nothing here reads the environment or touches the disk at import. A class attribute is either a fixed value or
`env("NAME", default)`, which `load()` reads from the environment when create_app() runs; a subclass fixes a
setting by assigning a plain value (TestConfig's key never comes from the developer's shell). `load()` then
fills in the embedded defaults that need the instance folder (database file, generated secret key)."""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FromEnvironment:
    """A setting taken from the environment variable `variable` when the app is created, else `default`."""

    variable: str
    default: Any = None
    parse: Callable[[str], Any] = str

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.variable)
        return self.default if raw is None or raw == "" else self.parse(raw)


def env(variable: str, default: Any = None, parse: Callable[[str], Any] = str) -> Any:
    return FromEnvironment(variable, default, parse)


def flag(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def default_instance_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "instance"


def _instance_secret_key(instance_dir: Path) -> str:
    """A key generated once and kept in instance/, so restarts keep sessions valid."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _local_url(environ: Mapping[str, str]) -> str:
    """Where `make run` serves (HOST and PORT, as scripts/serve.sh binds them), as a link a browser can open."""
    host = environ.get("HOST") or "127.0.0.1"
    port = environ.get("PORT") or "5000"
    if host in {"0.0.0.0", "::", "[::]"}:  # every interface: this machine answers on its loopback address
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Config:
    SECRET_KEY = env("SECRET_KEY")  # None: generated once into the instance folder
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", "")  # "": SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    INSTANCE_DIR = env("QUDAO_INSTANCE_DIR", None, Path)  # None: instance/ beside the packages

    # Sessions are signed cookies: any app instance can serve any request.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", False, flag)  # also forced on per request over HTTPS
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "http")
    PROXY_FIX = env("PROXY_FIX", False, flag)  # trust X-Forwarded-* from one reverse proxy

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    MAX_CONTENT_LENGTH = env("MAX_CONTENT_LENGTH", 110 * 1024 * 1024, int)
    REPORTING_DEADLINE_DAY = env("REPORTING_DEADLINE_DAY", 10, int)  # of the following month
    REPORTING_OPEN_MONTHS = env("REPORTING_OPEN_MONTHS", 3, int)  # older months are closed to partners
    SALES_BACKGROUND_BYTES = env("SALES_BACKGROUND_BYTES", 1024 * 1024, int)  # larger: the worker
    SALES_UPLOAD_MAX_BYTES = env("SALES_UPLOAD_MAX_BYTES", 100 * 1024 * 1024, int)
    DEAL_PROTECTION_DAYS = env("DEAL_PROTECTION_DAYS", 90, int)
    API_MAX_LINES = env("API_MAX_LINES", 10_000, int)
    API_MAX_BYTES = env("API_MAX_BYTES", 16 * 1024 * 1024, int)  # an API body is parsed whole: far below uploads'
    PARTNER_IMPORT_MAX_BYTES = env("PARTNER_IMPORT_MAX_BYTES", 5 * 1024 * 1024, int)

    # Support cases (service/): the working day service levels count in, the public holidays and adjusted
    # working days of a country (the `holidays` package; "" for none), and days a newer notice adds (ISO dates,
    # comma-separated) until the package has them.
    SERVICE_HOURS = env("SERVICE_HOURS", "09:00-18:00")
    SERVICE_HOLIDAYS_COUNTRY = env("SERVICE_HOLIDAYS_COUNTRY", "CN")
    SERVICE_EXTRA_HOLIDAYS = env("SERVICE_EXTRA_HOLIDAYS", "")
    SERVICE_EXTRA_WORKDAYS = env("SERVICE_EXTRA_WORKDAYS", "")
    CASE_REOPEN_DAYS = env("CASE_REOPEN_DAYS", 14, int)  # after its resolution, the requester may reopen a case
    AT_RISK_NPS_BELOW = env("AT_RISK_NPS_BELOW", 0, int)  # a partner's NPS of the last 6 months under this: at risk
    CASE_ATTACHMENT_MAX_BYTES = env("CASE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, int)

    # The background queue (portal/queue.py): SQLite in the instance folder unless HUEY_URL names another
    # (redis://… when several instances and workers run); immediate runs each task at once, in the caller.
    HUEY_URL = env("HUEY_URL", "")
    HUEY_IMMEDIATE = env("QUDAO_HUEY_IMMEDIATE", False, flag)
    # A running upload whose worker has been silent this long counts as stopped and may be run again.
    UPLOAD_STALE_AFTER_SECONDS = env("UPLOAD_STALE_AFTER_SECONDS", 600, int)

    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    BABEL_DEFAULT_LOCALE = env("DEFAULT_LOCALE", "zh_Hans_CN")
    BABEL_DEFAULT_TIMEZONE = env("DEFAULT_TIMEZONE", "Asia/Shanghai")

    # Mail: SMTP when MAIL_SERVER is set, otherwise the outbox in the database is the only recipient.
    MAIL_SERVER = env("MAIL_SERVER", "")
    MAIL_PORT = env("MAIL_PORT", 587, int)
    MAIL_USE_TLS = env("MAIL_USE_TLS", True, flag)
    MAIL_USERNAME = env("MAIL_USERNAME", "")
    MAIL_PASSWORD = env("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Qudao <no-reply@qudao.local>")

    PORTAL_URL = env("PORTAL_URL", "")  # links in mail sent outside a request; "": where HOST and PORT serve
    PASSWORD_RESET_MAX_AGE = env("PASSWORD_RESET_MAX_AGE", 2 * 3600, int)
    # New passwords (portal/auth/passwords.py): zxcvbn's score of 0–4 a password needs (3: "safely
    # unguessable", about 10^10 guesses); the demo's published password is refused in production.
    PASSWORD_MIN_SCORE = env("PASSWORD_MIN_SCORE", 3, int)
    REFUSE_DEMO_PASSWORD = env("REFUSE_DEMO_PASSWORD", False, flag)
    INVITATION_MAX_AGE = env("INVITATION_MAX_AGE", 7 * 24 * 3600, int)

    # Login throttling (Flask-Limiter). One process may count in memory; several instances need a
    # shared store such as redis://host:6379/0 — ProductionConfig refuses memory:// for that reason.
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STRATEGY = "moving-window"  # no burst at a window's edge
    # Wrong passwords: an account at its limit is locked (its right password too); an address over its limit
    # is refused wrong passwords only, so that one office's shared address does not lock out its colleagues.
    LOGIN_LIMIT_PER_ACCOUNT = env("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = env("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # The public application form: applications per address and per contact email, and at most this many
    # confirmation mails to one address (whatever address was typed: the form must not become a mail cannon).
    APPLY_LIMIT_PER_ADDRESS = env("APPLY_LIMIT_PER_ADDRESS", "10 per hour")
    APPLY_LIMIT_PER_EMAIL = env("APPLY_LIMIT_PER_EMAIL", "3 per hour")
    APPLY_MAIL_LIMIT = env("APPLY_MAIL_LIMIT", "1 per hour")
    RATELIMIT_HEADERS_ENABLED = False

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The settings for one app, read now from `environ` (the process environment by default). Fills in
        the embedded defaults, creating the instance folder only when one of them needs it."""
        environ = os.environ if environ is None else environ
        settings: dict[str, Any] = {}
        for name in dir(cls):
            if name.isupper():
                value = getattr(cls, name)
                settings[name] = value.read(environ) if isinstance(value, FromEnvironment) else copy.deepcopy(value)
        cls.complete(settings, environ)
        return settings

    @classmethod
    def complete(cls, settings: dict[str, Any], environ: Mapping[str, str]) -> None:
        settings["INSTANCE_DIR"] = Path(settings["INSTANCE_DIR"] or default_instance_dir())
        if not settings["SECRET_KEY"]:
            settings["SECRET_KEY"] = _instance_secret_key(settings["INSTANCE_DIR"])
        if not settings["SQLALCHEMY_DATABASE_URI"]:
            settings["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
            settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{settings['INSTANCE_DIR'] / 'qudao.db'}"
        if not settings["PORTAL_URL"]:
            settings["PORTAL_URL"] = _local_url(environ)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-key-not-secret"
    SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL", "")  # conftest supplies a temp file
    # CSRF stays on as in production: the test client sends the token as htmx does (tests/conftest.py).
    MAIL_SERVER = ""
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    BABEL_DEFAULT_LOCALE = "en"  # tests read English messages unless they ask for Chinese
    HUEY_IMMEDIATE = True  # background tasks run at once, inside the test, unless a test builds a real queue

    @classmethod
    def complete(cls, settings: dict[str, Any], environ: Mapping[str, str]) -> None:
        if not settings["SQLALCHEMY_DATABASE_URI"]:  # never the developer's own database
            raise RuntimeError("TestConfig needs SQLALCHEMY_DATABASE_URI (conftest sets a temporary one)")
        super().complete(settings, environ)


class ProductionConfig(Config):
    """Refuses the embedded defaults: a production instance must be told its key, database and stores."""

    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    REFUSE_DEMO_PASSWORD = True

    @classmethod
    def complete(cls, settings: dict[str, Any], environ: Mapping[str, str]) -> None:
        missing = [
            variable
            for variable, name in (("SECRET_KEY", "SECRET_KEY"), ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI"))
            if not settings[name]
        ]
        if missing:
            raise RuntimeError(f"ProductionConfig needs {', '.join(missing)} in the environment")
        if settings["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            raise RuntimeError("ProductionConfig needs RATELIMIT_STORAGE_URI shared by all instances (redis://…)")
        super().complete(settings, environ)


def config_from_env(environ: Mapping[str, str] | None = None) -> type[Config]:
    environ = os.environ if environ is None else environ
    return {"production": ProductionConfig}.get(environ.get("QUDAO_CONFIG", ""), Config)
