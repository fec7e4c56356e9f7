"""Configuration from environment variables, with an embedded default that needs none."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("QUDAO_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))


def _instance_secret_key() -> str:
    """A key generated once and kept in instance/, so restarts keep sessions valid."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'qudao.db'}"


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled in by Config.load()
    SQLALCHEMY_DATABASE_URI = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Sessions are signed cookies: any app instance can serve any request.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")  # also forced on per request over HTTPS
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    PROXY_FIX = _flag("PROXY_FIX")  # trust X-Forwarded-* from one reverse proxy

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 110 * 1024 * 1024))
    REPORTING_DEADLINE_DAY = int(os.environ.get("REPORTING_DEADLINE_DAY", 10))  # of the following month
    REPORTING_OPEN_MONTHS = int(os.environ.get("REPORTING_OPEN_MONTHS", 3))  # older months are closed to partners
    SALES_BACKGROUND_BYTES = int(os.environ.get("SALES_BACKGROUND_BYTES", 1024 * 1024))  # larger: the worker
    SALES_UPLOAD_MAX_BYTES = int(os.environ.get("SALES_UPLOAD_MAX_BYTES", 100 * 1024 * 1024))
    DEAL_PROTECTION_DAYS = int(os.environ.get("DEAL_PROTECTION_DAYS", 90))
    API_MAX_LINES = int(os.environ.get("API_MAX_LINES", 10_000))
    PARTNER_IMPORT_MAX_BYTES = int(os.environ.get("PARTNER_IMPORT_MAX_BYTES", 5 * 1024 * 1024))

    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "zh_Hans_CN")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Shanghai")

    # Mail: SMTP when MAIL_SERVER is set, otherwise the outbox in the database is the only recipient.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USE_TLS = _flag("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Qudao <no-reply@qudao.local>")

    PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:5000")  # links in mail sent outside a request
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", 2 * 3600))
    INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE", 7 * 24 * 3600))

    # Login throttling (Flask-Limiter). One process may count in memory; several instances need a
    # shared store such as redis://host:6379/0 — ProductionConfig refuses memory:// for that reason.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    RATELIMIT_HEADERS_ENABLED = False

    @classmethod
    def load(cls) -> type["Config"]:
        """Resolve the values that need the disk (instance/) lazily, at app creation."""
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = _instance_secret_key()
        if not cls.SQLALCHEMY_DATABASE_URI:
            cls.SQLALCHEMY_DATABASE_URI = _database_url()
        return cls


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-key-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "")  # conftest supplies a temp file
    WTF_CSRF_ENABLED = False
    MAIL_SERVER = ""
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    BABEL_DEFAULT_LOCALE = "en"  # tests read English messages unless they ask for Chinese


class ProductionConfig(Config):
    """Refuses the embedded defaults: a production instance must be told its key, database and stores."""

    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def load(cls) -> type["Config"]:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"ProductionConfig needs {', '.join(missing)} in the environment")
        if cls.RATELIMIT_STORAGE_URI.startswith("memory://"):
            raise RuntimeError("ProductionConfig needs RATELIMIT_STORAGE_URI shared by all instances (redis://…)")
        cls.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        return cls


def config_from_env() -> type[Config]:
    return {"production": ProductionConfig}.get(os.environ.get("QUDAO_CONFIG", ""), Config)
